/**
 * "Offline computers" on the Licenses screen: activation by file for a studio
 * computer that never goes online. On that computer: create a request, load
 * the response, or give the seat back with a receipt. On any online computer:
 * answer a request, or free a seat with a receipt. The same answers come from
 * the API's /offline page, on a phone.
 */
import { useState, type ChangeEvent } from 'react';
import { ConfirmDialog } from './Dialog';
import { useToast } from './Toast';
import { Button, Card, ErrorBanner, TextField } from './ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall } from '../lib/companion-hooks';
import { productName } from '../lib/labels';
import { saveFile } from '../lib/save-file';

/** A button that opens the file picker; the chosen file's text goes to `onText`. */
function FilePicker({ label, accept, busy, onText }: { label: string; accept: string; busy: boolean; onText: (text: string) => void }) {
  const onChange = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) onText(await file.text());
  };
  return (
    <label className={`btn btn-secondary${busy ? ' is-busy' : ''}`} aria-busy={busy || undefined}>
      <span className="btn-label">{label}</span>
      <input type="file" accept={accept} className="visually-hidden" onChange={(e) => void onChange(e)} disabled={busy} />
    </label>
  );
}

export function OfflineComputers({ onChanged }: { onChanged: () => Promise<void> }) {
  const call = useCall();
  const toast = useToast();
  const { activation, refreshActivation } = useAppState();
  const [key, setKey] = useState('');
  const [releasing, setReleasing] = useState<string | null>(null);

  const request = useAction(async () => {
    const file = await call('offline:create-request', { license_key: key.trim(), product: 'mixing_mentor' });
    saveFile(file.file_name, file.text);
    toast('Activation request saved');
  });
  const load = useAction(async (text: string) => {
    await call('offline:load-response', { text });
    await Promise.all([refreshActivation(), onChanged()]);
    toast('This computer is activated');
  });
  const answer = useAction(async (text: string) => {
    const file = await call('offline:answer-request', { text });
    saveFile(file.file_name, file.text);
    await onChanged();
    toast('Activation response saved: load it on the offline computer');
  });
  const submit = useAction(async (text: string) => {
    await call('offline:submit-receipt', { text });
    await onChanged();
    toast('The seat is free');
  });
  const release = useAction(async (product: string) => {
    const file = await call('offline:write-receipt', { product });
    saveFile(file.file_name, file.text);
    setReleasing(null);
    await Promise.all([refreshActivation(), onChanged()]);
    toast('Deactivation receipt saved: upload it from any online device');
  });
  const error = request.error ?? load.error ?? answer.error ?? submit.error ?? release.error;
  const clear = () => [request, load, answer, submit, release].forEach((a) => a.clearError());

  return (
    <Card title="Offline computers" subtitle="For a studio computer that never goes online: carry two small files instead of a connection.">
      {error && <ErrorBanner error={error} onDismiss={clear} title="That did not work" />}
      <div className="grid-2">
        <section className="stack" aria-labelledby="offline-this">
          <h3 id="offline-this">This computer is offline</h3>
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (key.trim()) void request.run();
            }}
          >
            <TextField label="License key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="NG-XXXX-XXXX-XXXX" spellCheck={false} autoComplete="off" className="input mono" />
            <div className="row">
              <Button type="submit" icon="fileJson" busy={request.busy} disabled={!key.trim()}>
                Create activation request
              </Button>
            </div>
          </form>
          <p className="muted">
            Take the request to any online device: another computer's Companion (below), or the /offline page of NextGen Noise on a phone. Bring the response back and load it
            here.
          </p>
          <div className="row">
            <FilePicker label="Load activation response" accept=".ngnresp,application/json" busy={load.busy} onText={(t) => void load.run(t)} />
          </div>
          {activation?.activations.map((a) => (
            <div className="row" key={a.product}>
              <Button variant="ghost" icon="logOut" onClick={() => setReleasing(a.product)}>
                Deactivate {productName(a.product)} by receipt
              </Button>
            </div>
          ))}
        </section>
        <section className="stack" aria-labelledby="offline-other">
          <h3 id="offline-other">Activate another computer by file</h3>
          <p className="muted">Choose the request an offline computer made; save the response and carry it back. A receipt it wrote frees its seat at once.</p>
          <div className="row">
            <FilePicker label="Answer an activation request" accept=".ngnreq,application/json" busy={answer.busy} onText={(t) => void answer.run(t)} />
            <FilePicker label="Free a seat with a receipt" accept=".ngnreceipt,application/json" busy={submit.busy} onText={(t) => void submit.run(t)} />
          </div>
        </section>
      </div>
      {releasing && (
        <ConfirmDialog
          title="Deactivate this computer by receipt?"
          confirmLabel="Deactivate and save the receipt"
          busy={release.busy}
          onConfirm={() => void release.run(releasing)}
          onClose={() => setReleasing(null)}
        >
          The plugin stops working here at once. Upload the receipt from any online device to free the seat.
        </ConfirmDialog>
      )}
    </Card>
  );
}
