/**
 * Shown when every seat of a license is taken: the user picks which machine to
 * free (a machine not seen for a while is suggested), confirms, and this
 * machine is activated in its place.
 */
import { useState } from 'react';
import type { ActivationSummary } from '@ngn/shared';
import { toUiError, type UiError } from '../lib/companion-hooks';
import { formatDate, formatRelative } from '../lib/format';
import { Dialog } from './Dialog';
import { Icon } from './Icon';
import { Badge, Button, ErrorBanner } from './ui';

export interface SeatChooserProps {
  /** e.g. "Mixing Mentor Standard"; empty when only the key is known. */
  licenseLabel: string;
  maxActivations: number;
  machines: ActivationSummary[];
  /** Frees the chosen machine's seat and activates this one; a rejection is shown in the dialog. */
  onFree: (activationId: string) => Promise<void>;
  /** Runs this machine for 7 days beyond the seats (an emergency activation); a rejection is shown in the dialog. */
  onEmergency?: () => Promise<void>;
  onClose: () => void;
}

/** The machine to suggest: a stale one, else the one seen longest ago. */
export function suggestedMachine(machines: ActivationSummary[]): ActivationSummary | undefined {
  const seen = (m: ActivationSummary) => new Date(m.last_validated ?? m.activated_at).getTime();
  return [...machines].sort((a, b) => Number(b.stale) - Number(a.stale) || seen(a) - seen(b))[0];
}

export function SeatChooser({ licenseLabel, maxActivations, machines, onFree, onEmergency, onClose }: SeatChooserProps) {
  const [selected, setSelected] = useState<string | null>(() => suggestedMachine(machines)?.id ?? null);
  const [step, setStep] = useState<'choose' | 'confirm'>('choose');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const chosen = machines.find((m) => m.id === selected);

  const attempt = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(toUiError(err));
      setBusy(false);
    }
  };
  const free = () => chosen && attempt(() => onFree(chosen.id));

  if (step === 'confirm' && chosen) {
    return (
      <Dialog
        key="confirm"
        title={`Free the seat of “${chosen.machine_name}”?`}
        role="alertdialog"
        busy={busy}
        onClose={onClose}
        footer={
          <>
            <Button icon="arrowLeft" disabled={busy} onClick={() => setStep('choose')} data-autofocus>
              Back
            </Button>
            <Button variant="danger" busy={busy} onClick={free}>
              Deactivate and activate this machine
            </Button>
          </>
        }
      >
        {error && <ErrorBanner error={error} />}
        <p>
          <strong>{chosen.machine_name}</strong> ({chosen.os}) will be deactivated now, and this machine takes its seat. The plugin on{' '}
          {chosen.machine_name} stops working the next time it checks in, or when its offline grace runs out.
        </p>
        <p className="muted">You can activate {chosen.machine_name} again later by freeing another seat.</p>
      </Dialog>
    );
  }

  return (
    <Dialog
      key="choose"
      title="All seats are in use"
      wide
      busy={busy}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" icon="arrowRight" disabled={!chosen} onClick={() => setStep('confirm')}>
            Continue
          </Button>
        </>
      }
    >
      <p>
        {licenseLabel ? `Your ${licenseLabel} license` : 'This license'} works on {maxActivations} machine{maxActivations === 1 ? '' : 's'} at a time, and all of them are in use. Choose
        one to free its seat for this machine.
      </p>
      <fieldset className="seat-list">
        <legend className="visually-hidden">Machine to deactivate</legend>
        {machines.map((m) => (
          <label key={m.id} className="seat">
            <input type="radio" name="seat" value={m.id} checked={selected === m.id} onChange={() => setSelected(m.id)} />
            <span className="machine-icon">
              <Icon name="monitor" />
            </span>
            <span className="seat-main">
              <span className="seat-name">{m.machine_name}</span>
              <span className="seat-meta">
                {m.os} · activated {formatDate(m.activated_at)} · last seen {formatRelative(m.last_validated ?? m.activated_at)}
              </span>
            </span>
            {m.stale && (
              <Badge tone="warning" icon="clock">
                Not seen lately
              </Badge>
            )}
          </label>
        ))}
      </fieldset>
      {onEmergency && (
        <section className="emergency" aria-labelledby="emergency-title">
          <h3 id="emergency-title">Can’t reach those computers?</h3>
          {error && <ErrorBanner error={error} />}
          <p className="muted">
            If one of them is dead, stolen or out of reach, this computer can work for 7 days without freeing a seat. It ends by itself, and you can use it once every 90
            days per license; free a seat from here when you can.
          </p>
          <Button icon="clock" busy={busy} onClick={() => void attempt(onEmergency)}>
            Use this computer for 7 days
          </Button>
        </section>
      )}
    </Dialog>
  );
}
