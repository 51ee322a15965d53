import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNEL_NAMES, dispatch, ipcEventName, ipcInvokeName, type ChannelHandlers, type CompanionEvents, type EventName } from '../contract/ipc';

/**
 * One ipcMain handler per channel of the map, each refusing any sender but the
 * main window's top frame showing the app itself: an iframe, another window
 * (the checkout window has no preload anyway) or a page the window was somehow
 * navigated to gets `forbidden` and nothing runs.
 */
export function registerIpcHandlers(handlers: ChannelHandlers, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): () => void {
  for (const name of CHANNEL_NAMES) {
    ipcMain.handle(ipcInvokeName(name), async (event, request: unknown) => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'forbidden', message: 'This page may not use the companion.' } };
      }
      return dispatch(handlers, name, request);
    });
  }
  return () => {
    for (const name of CHANNEL_NAMES) ipcMain.removeHandler(ipcInvokeName(name));
  };
}

/** Pushes an event to the renderer, if it is still there. */
export function sendEvent<E extends EventName>(target: WebContents | null | undefined, event: E, payload: CompanionEvents[E]): void {
  if (target && !target.isDestroyed()) target.send(ipcEventName(event), payload);
}
