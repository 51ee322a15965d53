/**
 * A modal dialog: focus moves in when it opens, Tab stays inside, Escape and
 * the close button dismiss it, and focus returns to where it was.
 */
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { Button, type ButtonProps } from './ui';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogProps {
  title: string;
  children: ReactNode;
  footer?: ReactNode;
  onClose: () => void;
  /** While busy, Escape and the scrim do nothing. */
  busy?: boolean;
  wide?: boolean;
  /** `alertdialog` for confirmations of destructive actions. */
  role?: 'dialog' | 'alertdialog';
}

export function Dialog({ title, children, footer, onClose, busy, wide, role = 'dialog' }: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const node = ref.current;
    const first = node?.querySelector<HTMLElement>('[data-autofocus]') ?? node?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? node)?.focus();
    return () => previous?.focus?.();
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      if (!busyRef.current) closeRef.current();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (!items.length) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div
      className="scrim"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busyRef.current) closeRef.current();
      }}
    >
      <div ref={ref} className={`dialog${wide ? ' dialog-wide' : ''}`} role={role} aria-modal="true" aria-labelledby={titleId} tabIndex={-1} onKeyDown={onKeyDown}>
        <div className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <Button variant="ghost" size="sm" iconOnly icon="x" aria-label="Close" disabled={busy} onClick={onClose} />
        </div>
        <div className="dialog-body">{children}</div>
        {footer && <div className="dialog-footer">{footer}</div>}
      </div>
    </div>,
    document.body,
  );
}

/** "Are you sure?" for one action; the confirm button shows progress while it runs. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  confirmVariant = 'danger',
  onConfirm,
  onClose,
  busy,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  confirmVariant?: ButtonProps['variant'];
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
}) {
  return (
    <Dialog
      title={title}
      role="alertdialog"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          {/* A destructive confirmation starts on the safe choice. */}
          <Button onClick={onClose} disabled={busy} data-autofocus={confirmVariant === 'danger' || undefined}>
            Cancel
          </Button>
          <Button variant={confirmVariant} busy={busy} onClick={onConfirm} data-autofocus={confirmVariant !== 'danger' || undefined}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}

/** The footer of a dialog that holds a form: Cancel, and the button that submits the form `form`. */
export function FormFooter({
  form,
  submitLabel,
  onCancel,
  busy,
  disabled,
  cancelLabel = 'Cancel',
  variant = 'primary',
}: {
  form: string;
  submitLabel: string;
  onCancel: () => void;
  busy?: boolean;
  disabled?: boolean;
  cancelLabel?: string;
  variant?: ButtonProps['variant'];
}) {
  return (
    <>
      <Button onClick={onCancel} disabled={busy}>
        {cancelLabel}
      </Button>
      <Button type="submit" form={form} variant={variant} busy={busy} disabled={disabled}>
        {submitLabel}
      </Button>
    </>
  );
}
