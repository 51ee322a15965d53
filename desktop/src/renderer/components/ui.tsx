/** The small building blocks every screen uses; all state comes from props. */
import { useId, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import type { UiError } from '../lib/companion-hooks';
import { Icon, type IconName } from './Icon';

type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'danger-ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'md' | 'sm';
  icon?: IconName;
  /** Shows a spinner in place of the label and ignores clicks; the button keeps its size. */
  busy?: boolean;
  block?: boolean;
  iconOnly?: boolean;
}

export function Button({ variant = 'secondary', size = 'md', icon, busy = false, block, iconOnly, className, children, disabled, type, onClick, ...rest }: ButtonProps) {
  const classes = ['btn', `btn-${variant}`, size === 'sm' && 'btn-sm', block && 'btn-block', iconOnly && 'btn-icon', className].filter(Boolean).join(' ');
  return (
    <button
      {...rest}
      type={type ?? 'button'}
      className={classes}
      disabled={disabled}
      aria-busy={busy || undefined}
      onClick={busy ? (e) => e.preventDefault() : onClick}
    >
      <span className="btn-label">
        {icon && <Icon name={icon} size={size === 'sm' ? 15 : 17} />}
        {children}
      </span>
      {busy && <span className="spinner" aria-hidden="true" />}
    </button>
  );
}

export function Spinner({ large, label = 'Loading' }: { large?: boolean; label?: string }) {
  return (
    <span role="status" className="row" style={{ gap: 0 }}>
      <span className={`spinner${large ? ' spinner-lg' : ''}`} aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function LoadingBlock({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading-block">
      <Spinner large label={label} />
    </div>
  );
}

export function Skeleton({ width = '100%', height = 14 }: { width?: number | string; height?: number }) {
  return <span className="skeleton" style={{ display: 'block', width, height }} aria-hidden="true" />;
}

type Tone = 'error' | 'warning' | 'info' | 'success';
const TONE_ICON: Record<Tone, IconName> = { error: 'alertCircle', warning: 'alert', info: 'info', success: 'checkCircle' };

export function Banner({ tone, title, children, actions }: { tone: Tone; title?: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={TONE_ICON[tone]} />
      <div className="banner-body">
        {title && <div className="banner-title">{title}</div>}
        {children && <p>{children}</p>}
      </div>
      {actions && <div className="banner-actions">{actions}</div>}
    </div>
  );
}

const ERROR_TITLES: Record<string, string> = {
  offline: 'You are offline',
  timeout: 'The server took too long to answer',
  keychain_unavailable: 'The system keychain is not available',
  not_signed_in: 'Your session has ended',
};

/** An error with a retry button, for anything that failed to load or save. */
export function ErrorBanner({ error, onRetry, onDismiss, title }: { error: UiError; onRetry?: () => void; onDismiss?: () => void; title?: string }) {
  return (
    <Banner
      tone="error"
      title={title ?? ERROR_TITLES[error.code] ?? 'That did not work'}
      actions={
        <>
          {onRetry && (
            <Button size="sm" icon="refresh" onClick={onRetry}>
              Try again
            </Button>
          )}
          {onDismiss && <Button size="sm" variant="ghost" iconOnly icon="x" aria-label="Dismiss" onClick={onDismiss} />}
        </>
      }
    >
      {error.message}
    </Banner>
  );
}

type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'accent' | 'info';
export function Badge({ tone = 'neutral', icon, children, title }: { tone?: BadgeTone; icon?: IconName; children: ReactNode; title?: string }) {
  return (
    <span className={`badge${tone === 'neutral' ? '' : ` badge-${tone}`}`} title={title}>
      {icon && <Icon name={icon} size={12} />}
      {children}
    </span>
  );
}

export function EmptyState({ icon, title, children, actions }: { icon: IconName; title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon">
        <Icon name={icon} size={22} />
      </div>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {actions && <div className="row">{actions}</div>}
    </div>
  );
}

export function Card({ title, subtitle, actions, children, footer, className, bodyless }: { title?: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children?: ReactNode; footer?: ReactNode; className?: string; bodyless?: boolean }) {
  // A titled card is a region named by its title, so assistive technology can jump to it.
  const titleId = useId();
  return (
    <section className={`card${className ? ` ${className}` : ''}`} aria-labelledby={title ? titleId : undefined}>
      {(title || actions) && (
        <header className="card-header">
          <div className="card-header-text">
            {title && (
              <h2 className="card-title" id={titleId}>
                {title}
              </h2>
            )}
            {subtitle && <div className="card-subtitle">{subtitle}</div>}
          </div>
          {actions && <div className="row">{actions}</div>}
        </header>
      )}
      {bodyless ? children : <div className="card-body">{children}</div>}
      {footer && <footer className="card-footer">{footer}</footer>}
    </section>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div className="page-header-text">
        <h1>{title}</h1>
        {description && <p>{description}</p>}
      </div>
      {actions && <div className="row">{actions}</div>}
    </header>
  );
}

interface FieldShellProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  optional?: boolean;
}

function FieldShell({ id, label, hint, error, optional, children }: FieldShellProps & { id: string; children: ReactNode }) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
        {optional && <span className="field-optional"> (optional)</span>}
      </label>
      {children}
      <div id={`${id}-note`} className={`field-note${error ? ' is-error' : ''}`} aria-live="polite">
        {error ?? hint}
      </div>
    </div>
  );
}

export function TextField({ label, hint, error, optional, ...input }: FieldShellProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} optional={optional}>
      <input id={id} className="input" aria-invalid={error ? true : undefined} aria-describedby={`${id}-note`} {...input} />
    </FieldShell>
  );
}

export function PasswordField({ label, hint, error, ...input }: FieldShellProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const id = useId();
  const [shown, setShown] = useState(false);
  return (
    <FieldShell id={id} label={label} hint={hint} error={error}>
      <div className="input-with-action">
        <input id={id} className="input" type={shown ? 'text' : 'password'} aria-invalid={error ? true : undefined} aria-describedby={`${id}-note`} {...input} />
        <Button variant="ghost" iconOnly icon={shown ? 'eyeOff' : 'eye'} aria-label={shown ? 'Hide password' : 'Show password'} aria-pressed={shown} onClick={() => setShown((s) => !s)} />
      </div>
    </FieldShell>
  );
}

export function TextAreaField({ label, hint, error, optional, ...input }: FieldShellProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error} optional={optional}>
      <textarea id={id} className="textarea" aria-invalid={error ? true : undefined} aria-describedby={`${id}-note`} {...input} />
    </FieldShell>
  );
}

export function SelectField({ label, hint, error, options, ...select }: FieldShellProps & { options: { value: string; label: string }[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <FieldShell id={id} label={label} hint={hint} error={error}>
      <select id={id} className="select" aria-invalid={error ? true : undefined} aria-describedby={`${id}-note`} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

/** An on/off setting: a checkbox with role=switch, its label and description. */
export function Switch({ label, description, checked, onChange, disabled }: { label: string; description?: ReactNode; checked: boolean; onChange: (checked: boolean) => void; disabled?: boolean }) {
  const id = useId();
  return (
    <label className="switch" htmlFor={id}>
      <span className="stack stack-sm" style={{ gap: 2 }}>
        <span style={{ fontWeight: 600 }}>{label}</span>
        {description && <span className="muted" style={{ fontSize: 'var(--text-sm)' }} id={`${id}-desc`}>{description}</span>}
      </span>
      <input id={id} type="checkbox" role="switch" checked={checked} disabled={disabled} aria-describedby={description ? `${id}-desc` : undefined} onChange={(e) => onChange(e.target.checked)} />
    </label>
  );
}
