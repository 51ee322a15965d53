/**
 * The only bridge between the sandboxed renderer and the main process: the
 * typed channel map of `shared/ipc.ts` as `window.companion`, nothing else.
 * No Node API, no ipcRenderer and no arbitrary channel name reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcEventName, ipcInvokeName, isChannelName, isEventName, type CompanionApi, type Envelope } from '../contract/ipc';

const companion: CompanionApi = {
  transport: 'electron',
  async invoke(channel: string, request?: unknown) {
    if (!isChannelName(channel)) throw { code: 'invalid_request', message: `Unknown channel ${String(channel)}.` };
    const envelope = (await ipcRenderer.invoke(ipcInvokeName(channel), request)) as Envelope<unknown>;
    // A plain object, not an Error: Electron would drop an Error's code and details on the way to the page.
    if (!envelope.ok) throw envelope.error;
    return envelope.value;
  },
  on(event, listener) {
    if (!isEventName(event)) throw { code: 'invalid_request', message: `Unknown event ${String(event)}.` };
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(ipcEventName(event), wrapped);
    return () => {
      ipcRenderer.removeListener(ipcEventName(event), wrapped);
    };
  },
} as CompanionApi;

contextBridge.exposeInMainWorld('companion', companion);
