/**
 * Settings: account (email, password), channel, telemetry, install folder,
 * export my data, delete account, sign out, and the about box with updates.
 */
import { useState } from 'react';
import { ChangePasswordRequest, PASSWORD_MIN } from '@ngn/shared';
import type { UpdateStatus } from '../../contract/models';
import type { SettingsPatch } from '../../contract/settings';
import { ConfirmDialog, Dialog, FormFooter } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { useToast } from '../components/Toast';
import { Badge, Banner, Button, Card, ErrorBanner, PageHeader, PasswordField, Switch, TextField } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { saveFile } from '../lib/save-file';
import { useAction, useCall, useEvent, useInvoke } from '../lib/companion-hooks';
import { formatDate } from '../lib/format';
import { useForm } from '../lib/forms';
import { navigate } from '../lib/router';

export function SettingsScreen() {
  return (
    <>
      <PageHeader title="Settings" description="Your account, how the companion behaves on this machine, and your data." />
      <AccountCard />
      <PreferencesCard />
      <PrivacyCard />
      <AboutCard />
      <DangerCard />
    </>
  );
}

function AccountCard() {
  const { auth, setAuth } = useAppState();
  const call = useCall();
  const toast = useToast();
  const [changing, setChanging] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const logout = useAction(async () => {
    setAuth(await call('auth:logout'));
    navigate('sign-in');
  });
  const user = auth.user;
  return (
    <Card
      title="Account"
      actions={
        <Button variant="secondary" icon="logOut" onClick={() => setSigningOut(true)}>
          Sign out
        </Button>
      }
    >
      <dl className="kv">
        <dt>Name</dt>
        <dd>{user ? `${user.first_name} ${user.last_name}` : '—'}</dd>
        <dt>Email</dt>
        <dd className="row">
          {user?.email ?? '—'}
          {user &&
            (user.email_verified ? (
              <Badge tone="success" icon="check">
                Confirmed
              </Badge>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => navigate('verify-email')}>
                Confirm email
              </Button>
            ))}
        </dd>
        <dt>Member since</dt>
        <dd>{formatDate(user?.created_at)}</dd>
        <dt>Password</dt>
        <dd>
          <Button size="sm" icon="lock" onClick={() => setChanging(true)}>
            Change password
          </Button>
        </dd>
      </dl>
      {changing && <ChangePasswordDialog onClose={() => setChanging(false)} onDone={() => (setChanging(false), toast('Password changed'))} />}
      {signingOut && (
        <ConfirmDialog
          title="Sign out?"
          confirmLabel="Sign out"
          busy={logout.busy}
          onClose={() => (setSigningOut(false), logout.clearError())}
          onConfirm={() => void logout.run()}
        >
          {logout.error && <ErrorBanner error={logout.error} />}
          <p>Signing out frees this machine’s seats and removes its license files, so the plugin stops working here until you sign in and activate again.</p>
        </ConfirmDialog>
      )}
    </Card>
  );
}

function ChangePasswordDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const call = useCall();
  const action = useAction((body: ChangePasswordRequest) => call('auth:change-password', body));
  const form = useForm(ChangePasswordRequest, { current_password: '', new_password: '' }, async (body) => {
    const out = await action.run(body);
    if (out.ok) onDone();
    else form.applyServerError(out.error, { invalid_credentials: 'current_password', invalid_password: 'current_password' });
  });
  return (
    <Dialog
      title="Change password"
      onClose={onClose}
      busy={action.busy}
      footer={<FormFooter form="change-password" submitLabel="Change password" onCancel={onClose} busy={action.busy} />}
    >
      <form id="change-password" className="stack" onSubmit={form.onSubmit} noValidate>
        {action.error && !['validation_failed', 'invalid_credentials', 'invalid_password'].includes(action.error.code) && <ErrorBanner error={action.error} />}
        <PasswordField label="Current password" autoComplete="current-password" autoFocus {...form.field('current_password')} />
        <PasswordField label="New password" autoComplete="new-password" hint={`At least ${PASSWORD_MIN} characters, mixing letters with a digit or symbol.`} {...form.field('new_password')} />
      </form>
    </Dialog>
  );
}

function PreferencesCard() {
  const { settings, setSettings } = useAppState();
  const call = useCall();
  const toast = useToast();
  const [folder, setFolder] = useState(settings.install_dir);
  const [server, setServer] = useState(settings.api_url);
  const [confirmServer, setConfirmServer] = useState(false);
  const save = useAction(async (patch: SettingsPatch) => {
    setSettings(await call('settings:update', patch));
  });
  return (
    <Card title="Preferences" subtitle="Stored on this machine.">
      <div className="stack stack-lg">
        {save.error && <ErrorBanner error={save.error} onDismiss={save.clearError} />}
        <div className="row row-between">
          <div className="stack stack-sm" style={{ gap: 2 }}>
            <span style={{ fontWeight: 600 }} id="channel-label">
              Release channel
            </span>
            <span className="muted" style={{ fontSize: 'var(--text-sm)' }}>
              Beta gets new plugin and companion versions first.
            </span>
          </div>
          <div className="segmented" role="radiogroup" aria-labelledby="channel-label">
            {(['stable', 'beta'] as const).map((c) => (
              <label key={c}>
                <input type="radio" name="channel" value={c} checked={settings.channel === c} disabled={save.busy} onChange={() => void save.run({ channel: c })} />
                {c === 'stable' ? 'Stable' : 'Beta'}
              </label>
            ))}
          </div>
        </div>
        <form
          className="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            if ((await save.run({ install_dir: folder.trim() })).ok) toast('Install folder saved');
          }}
        >
          <TextField
            label="Install folder"
            hint="Where plugin installers are downloaded to."
            value={folder}
            onChange={(e) => setFolder(e.target.value)}
            className="input mono"
            spellCheck={false}
          />
          <Button type="submit" icon="folder" disabled={!folder.trim() || folder.trim() === settings.install_dir} busy={save.busy}>
            Save
          </Button>
        </form>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setConfirmServer(true);
          }}
        >
          <TextField
            label="NextGen Noise server"
            hint="https only (http only for this computer). Changing it signs you out of the current server."
            value={server}
            onChange={(e) => setServer(e.target.value)}
            className="input mono"
            spellCheck={false}
          />
          <Button type="submit" disabled={!server.trim() || server.trim() === settings.api_url} busy={save.busy}>
            Change
          </Button>
        </form>
      </div>
      {confirmServer && (
        <ConfirmDialog
          title="Switch to another server?"
          confirmLabel="Sign out and switch"
          busy={save.busy}
          onClose={() => setConfirmServer(false)}
          onConfirm={async () => {
            const out = await save.run({ api_url: server.trim() });
            setConfirmServer(false);
            if (out.ok) toast('Server changed: sign in again');
          }}
        >
          <p>
            You will be signed out of <code>{settings.api_url}</code> and the Companion will talk to <code>{server.trim()}</code> instead. Only switch to a
            server NextGen Noise gave you: installers are still checked against NextGen Noise&apos;s own keys.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}

function PrivacyCard() {
  const { settings, setSettings, auth, setAuth } = useAppState();
  const call = useCall();
  const toast = useToast();
  const telemetry = useInvoke('telemetry:status');
  useEvent('settings:changed', () => void telemetry.reload());
  const toggle = useAction(async (on: boolean) => {
    setSettings(await call('settings:update', { telemetry_enabled: on }));
    await telemetry.reload();
  });
  const mails = useAction(async (change: { newsletter?: boolean; update_mails?: boolean }) => setAuth(await call('account:update-profile', change)));
  const exportData = useAction(async () => {
    const data = await call('account:export');
    saveFile(`nextgen-noise-data-${new Date().toISOString().slice(0, 10)}.json`, JSON.stringify(data, null, 2));
    toast('Your data was downloaded');
  });
  return (
    <Card title="Privacy and data">
      <div className="stack stack-lg">
        <div className="stack stack-sm">
          <Switch label="Share anonymous usage data" description="Which features you use, session length and crash reports help us improve Mixing Mentor. Never your audio or projects." checked={settings.telemetry_enabled} disabled={toggle.busy} onChange={(on) => void toggle.run(on)} />
          {toggle.error && <ErrorBanner error={toggle.error} onDismiss={toggle.clearError} />}
        </div>
        <div className="stack stack-sm">
          <Switch
            label="Email me when a new version is out"
            description="One mail per new version of a plugin you hold a license for."
            checked={auth.user?.update_mails ?? false}
            disabled={mails.busy || !auth.user}
            onChange={(on) => void mails.run({ update_mails: on })}
          />
          <Switch
            label="NextGen Noise newsletter"
            description="Mixing tips and news, a few times a year. Unsubscribe from any issue, or here."
            checked={auth.user?.newsletter ?? false}
            disabled={mails.busy || !auth.user}
            onChange={(on) => void mails.run({ newsletter: on })}
          />
          {mails.error && <ErrorBanner error={mails.error} onDismiss={mails.clearError} title="Could not save your mail choices" />}
          {settings.telemetry_enabled && telemetry.data && (
            <span className="faint nums" style={{ fontSize: 'var(--text-xs)' }}>
              {telemetry.data.sent} sent · {telemetry.data.pending} waiting
            </span>
          )}
        </div>
        <div className="row row-between">
          <div className="stack stack-sm" style={{ gap: 2 }}>
            <span style={{ fontWeight: 600 }}>Export my data</span>
            <span className="muted" style={{ fontSize: 'var(--text-sm)' }}>
              Everything we hold about {auth.user?.email ?? 'you'}: profile, licenses, machines, purchases, tickets and usage data, as JSON.
            </span>
          </div>
          <Button icon="fileJson" busy={exportData.busy} onClick={() => void exportData.run()}>
            Export my data
          </Button>
        </div>
        {exportData.error && <ErrorBanner error={exportData.error} onRetry={() => void exportData.run()} title="Could not export your data" />}
      </div>
    </Card>
  );
}

const UPDATE_TEXT: Record<UpdateStatus['state'], string> = {
  unsupported: 'The desktop app updates itself; in the browser there is nothing to update.',
  idle: 'Updates are checked on start and every few hours.',
  checking: 'Checking for updates…',
  available: 'An update is available and downloading.',
  not_available: 'You have the latest version.',
  downloading: 'Downloading the update…',
  downloaded: 'An update is ready: restart to install it.',
  error: 'The last update check failed.',
};

function AboutCard() {
  const { info } = useAppState();
  const call = useCall();
  const status = useInvoke('updates:status');
  useEvent('updates:status', status.setData);
  const check = useAction(async () => status.setData(await call('updates:check')));
  const install = useAction(() => call('updates:install'));
  const s = status.data;
  return (
    <Card
      title="About"
      actions={
        s?.state === 'downloaded' ? (
          <Button variant="primary" icon="refresh" busy={install.busy} onClick={() => void install.run()}>
            Restart and update
          </Button>
        ) : (
          <Button icon="refresh" busy={check.busy || s?.state === 'checking'} onClick={() => void check.run()}>
            Check for updates
          </Button>
        )
      }
    >
      <div className="row" style={{ gap: 'var(--space-4)', alignItems: 'flex-start' }}>
        <span className="brand-mark" style={{ width: 48, height: 48, borderRadius: 12 }}>
          <Icon name="wave" size={28} />
        </span>
        <div className="stack stack-sm" style={{ flex: 1 }}>
          <div>
            <h3 style={{ fontSize: 'var(--text-lg)' }}>NextGen Noise Companion</h3>
            <span className="muted nums">
              Version {info.version} · {info.transport === 'electron' ? 'desktop app' : 'browser'} · {info.os} ({info.arch})
            </span>
          </div>
          {s && (
            <span className="muted">
              {UPDATE_TEXT[s.state]}
              {s.available_version ? ` Version ${s.available_version}.` : ''}
              {s.percent !== null && s.state === 'downloading' ? ` ${Math.round(s.percent)}%` : ''}
              {s.error ? ` ${s.error}` : ''}
            </span>
          )}
          {(check.error || status.error || install.error) && <ErrorBanner error={(check.error ?? status.error ?? install.error)!} onRetry={() => void check.run()} />}
          <dl className="kv" style={{ marginTop: 'var(--space-2)', fontSize: 'var(--text-sm)' }}>
            <dt>Machine</dt>
            <dd>{info.machine_name}</dd>
            <dt>License files</dt>
            <dd>
              <code>{info.token_dir}</code>
            </dd>
            <dt>App data</dt>
            <dd>
              <code>{info.data_dir}</code>
            </dd>
          </dl>
        </div>
      </div>
    </Card>
  );
}

const DELETE_WORD = 'DELETE';

function DangerCard() {
  const [open, setOpen] = useState(false);
  return (
    <Card title="Delete account">
      <div className="row row-between">
        <p className="muted" style={{ maxWidth: 560 }}>
          Deletes your account and personal data, deactivates all your machines and revokes your licenses. Purchase records that tax law requires are kept,
          anonymised. This cannot be undone.
        </p>
        <Button variant="danger" icon="trash" onClick={() => setOpen(true)}>
          Delete account
        </Button>
      </div>
      {open && <DeleteAccountDialog onClose={() => setOpen(false)} />}
    </Card>
  );
}

function DeleteAccountDialog({ onClose }: { onClose: () => void }) {
  const call = useCall();
  const { setAuth } = useAppState();
  const [typed, setTyped] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    setAuth(await call('account:delete', { password }));
    navigate('sign-in');
  });
  const ready = typed === DELETE_WORD && password.length > 0;
  return (
    <Dialog
      title="Delete your account?"
      role="alertdialog"
      onClose={onClose}
      busy={action.busy}
      footer={
        <FormFooter
          form="delete-account"
          submitLabel="Delete account"
          cancelLabel="Keep my account"
          variant="danger"
          onCancel={onClose}
          busy={action.busy}
          disabled={!ready}
        />
      }
    >
      <form
        id="delete-account"
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void action.run();
        }}
      >
        <Banner tone="warning" title="This cannot be undone">
          Your licenses stop working on every machine, and your tickets and usage data are deleted.
        </Banner>
        {action.error && <ErrorBanner error={action.error} />}
        <TextField
          label={`Type ${DELETE_WORD} to confirm`}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          autoFocus
          error={typed && !DELETE_WORD.startsWith(typed) ? `Type ${DELETE_WORD} in capitals.` : undefined}
        />
        <PasswordField label="Your password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </form>
    </Dialog>
  );
}
