/**
 * Licenses: each license with its key (masked, reveal, copy), expiry and
 * machines; activate this machine, deactivate any machine (with confirmation),
 * and the seat chooser when every seat is taken; then purchases (receipts,
 * managing a subscription) and activation by file.
 */
import { useState } from 'react';
import type { ActivationView, LicenseSummary } from '@ngn/shared';
import { ConfirmDialog, Dialog, FormFooter } from '../components/Dialog';
import { NoLicensesYet } from '../components/NoLicensesYet';
import { Icon } from '../components/Icon';
import { LicenseKey } from '../components/LicenseKey';
import { OfflineComputers } from '../components/OfflineComputers';
import { Purchases } from '../components/Purchases';
import { useToast } from '../components/Toast';
import { Badge, Button, Card, ErrorBanner, PageHeader, Skeleton, TextField } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall, useInvoke } from '../lib/companion-hooks';
import { useActivate } from '../lib/use-activate';
import { formatDate, formatRelative } from '../lib/format';
import { LICENSE_STATE, LICENSE_TYPE_TEXT, licenseLabel } from '../lib/labels';
import { navigate } from '../lib/router';

export function LicensesScreen() {
  const licenses = useInvoke('licenses:list');
  const [adding, setAdding] = useState(false);

  return (
    <>
      <PageHeader
        title="Licenses"
        description="Your licenses and the machines they are activated on. Free a seat here to move a license to another computer."
        actions={
          <>
            <Button icon="key" onClick={() => setAdding(true)}>
              Activate with a key
            </Button>
            <Button variant="primary" icon="bag" onClick={() => navigate('buy')}>
              Buy
            </Button>
          </>
        }
      />
      {licenses.error && <ErrorBanner error={licenses.error} onRetry={licenses.reload} title="Could not load your licenses" />}
      {licenses.loading ? (
        <Card>
          <div className="stack">
            <Skeleton height={22} width="40%" />
            <Skeleton height={16} width="70%" />
            <Skeleton height={16} width="55%" />
          </div>
        </Card>
      ) : licenses.data && licenses.data.length === 0 ? (
        <Card>
          <NoLicensesYet onActivateWithKey={() => setAdding(true)}>
            Buy Mixing Mentor here. Licenses bought on this account appear here by themselves.
          </NoLicensesYet>
        </Card>
      ) : (
        licenses.data?.map((l) => <LicenseCard key={l.id} license={l} onChanged={licenses.reload} />)
      )}
      <Purchases />
      <OfflineComputers onChanged={licenses.reload} />
      {adding && <AddKeyDialog onClose={() => setAdding(false)} onDone={licenses.reload} />}
    </>
  );
}

function LicenseCard({ license, onChanged }: { license: LicenseSummary; onChanged: () => Promise<void> }) {
  const { activation } = useAppState();
  const status = useInvoke('licenses:status', { license_key: license.license_key });
  const reload = async () => {
    await Promise.all([status.reload(), onChanged()]);
  };
  const { action: activate, chooser } = useActivate(() => void reload());
  const [toFree, setToFree] = useState<ActivationView | null>(null);
  const call = useCall();
  const { setActivation } = useAppState();
  const toast = useToast();
  const deactivate = useAction(async (m: ActivationView) => {
    setActivation(await call('activation:deactivate', { activation_id: m.id }));
    setToFree(null);
    toast(`${m.machine_name} deactivated`);
    await reload();
  });

  const here = activation?.fingerprint;
  const machines = status.data?.activations ?? [];
  const thisMachineActive = machines.some((m) => m.fingerprint === here) || (activation?.activations ?? []).some((a) => a.license_id === license.id);
  const state = LICENSE_STATE[license.status];
  const label = licenseLabel(license);
  const seatsUsed = status.data ? status.data.max_activations - status.data.activations_remaining : license.activations_count;

  return (
    <Card
      title={
        <span className="row">
          {label}
          <Badge tone={state.tone}>{state.text}</Badge>
        </span>
      }
      subtitle={`${LICENSE_TYPE_TEXT[license.license_type]} · bought ${formatDate(license.created_at)}`}
      actions={
        license.status === 'active' && !thisMachineActive ? (
          <Button variant="primary" icon="key" busy={activate.busy} onClick={() => void activate.run(license.license_key, label)}>
            Activate this machine
          </Button>
        ) : thisMachineActive ? (
          <Badge tone="success" icon="checkCircle">
            Active on this machine
          </Badge>
        ) : null
      }
      bodyless
    >
      <div className="card-body stack">
        {activate.error && <ErrorBanner error={activate.error} onDismiss={activate.clearError} title="Could not activate this machine" />}
        <dl className="kv">
          <dt>License key</dt>
          <dd>
            <LicenseKey value={license.license_key} />
          </dd>
          <dt>Expires</dt>
          <dd>{license.expires_at ? `${formatDate(license.expires_at)} (${formatRelative(license.expires_at)})` : 'Never'}</dd>
          <dt>Seats</dt>
          <dd className="row">
            <span className="meter" aria-hidden="true">
              {Array.from({ length: Math.min(license.max_activations, 10) }, (_, i) => (
                <span key={i} className={i < seatsUsed ? 'is-used' : undefined} />
              ))}
            </span>
            <span className="nums">
              {seatsUsed} of {license.max_activations} in use
            </span>
          </dd>
        </dl>
      </div>
      <div className="card-body" style={{ borderTop: '1px solid var(--border)', paddingTop: 'var(--space-3)', paddingBottom: 'var(--space-3)' }}>
        <h3 className="faint" style={{ fontSize: 'var(--text-xs)', textTransform: 'uppercase', letterSpacing: '0.06em', marginBottom: 'var(--space-1)' }}>
          Machines
        </h3>
        {status.error ? (
          <ErrorBanner error={status.error} onRetry={status.reload} title="Could not load the machines" />
        ) : status.loading ? (
          <div className="stack" style={{ padding: 'var(--space-3) 0' }}>
            <Skeleton height={16} width="50%" />
          </div>
        ) : machines.length === 0 ? (
          <p className="muted" style={{ padding: 'var(--space-3) 0' }}>
            Not activated on any machine yet.
          </p>
        ) : (
          <ul className="machines" aria-label={`Machines using ${label}`}>
            {machines.map((m) => {
              const isThis = m.fingerprint === here;
              return (
                <li key={m.id} className={`machine${isThis ? ' is-this' : ''}`}>
                  <span className="machine-icon">
                    <Icon name="monitor" />
                  </span>
                  <span className="machine-main">
                    <span className="machine-name">
                      {m.machine_name}
                      {isThis && <Badge tone="accent">This machine</Badge>}
                      {m.stale && (
                        <Badge tone="warning" icon="clock">
                          Not seen lately
                        </Badge>
                      )}
                      {m.emergency_until && (
                        <Badge tone="warning" icon="clock">
                          Emergency · ends {formatDate(m.emergency_until)}
                        </Badge>
                      )}
                    </span>
                    <span className="machine-meta">
                      {m.os} · last seen {formatRelative(m.last_seen_at)} · activated {formatDate(m.activated_at)}
                      {m.plugin_version ? ` · plugin ${m.plugin_version}` : ''}
                    </span>
                  </span>
                  <Button size="sm" variant="danger-ghost" onClick={() => setToFree(m)} aria-label={`Deactivate ${m.machine_name}`}>
                    Deactivate
                  </Button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {toFree && (
        <ConfirmDialog
          title={toFree.fingerprint === here ? 'Deactivate this machine?' : `Deactivate “${toFree.machine_name}”?`}
          confirmLabel="Deactivate"
          busy={deactivate.busy}
          onClose={() => (setToFree(null), deactivate.clearError())}
          onConfirm={() => void deactivate.run(toFree)}
        >
          {deactivate.error && <ErrorBanner error={deactivate.error} />}
          {toFree.fingerprint === here ? (
            <p>Mixing Mentor stops working on this machine and its seat is freed for another computer. You can activate this machine again any time.</p>
          ) : (
            <p>
              <strong>{toFree.machine_name}</strong> ({toFree.os}) loses its seat now. The plugin there stops working the next time it checks in, or when
              its offline grace runs out.
            </p>
          )}
        </ConfirmDialog>
      )}
      {chooser}
    </Card>
  );
}

function AddKeyDialog({ onClose, onDone }: { onClose: () => void; onDone: () => Promise<void> }) {
  const [key, setKey] = useState('');
  const { action, chooser } = useActivate(() => {
    void onDone();
    onClose();
  });
  if (chooser) return chooser;
  return (
    <Dialog
      title="Activate with a license key"
      onClose={onClose}
      busy={action.busy}
      footer={<FormFooter form="add-key" submitLabel="Activate this machine" onCancel={onClose} busy={action.busy} disabled={!key.trim()} />}
    >
      <form
        id="add-key"
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) void action.run(key.trim(), '');
        }}
      >
        <p className="muted">Paste one of your license keys, such as NG-XXXX-XXXX-XXXX from your purchase email, to activate this machine with it.</p>
        {action.error && <ErrorBanner error={action.error} />}
        <TextField label="License key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="NG-XXXX-XXXX-XXXX" spellCheck={false} autoComplete="off" className="input mono" autoFocus />
      </form>
    </Dialog>
  );
}
