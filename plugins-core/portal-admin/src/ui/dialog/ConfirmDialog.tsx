// A modal confirmation (native <dialog>: focus moves into it, Escape cancels, the page behind is inert).
import { Button } from '@dotmac/ui';
import { type ReactNode, useEffect, useId, useRef } from 'react';

export interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly variant?: 'primary' | 'danger';
  readonly busy?: boolean;
  /** Room for a long list (permissions). */
  readonly wide?: boolean;
  readonly onConfirm: () => void | Promise<void>;
  readonly onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, busy = false } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="shell-dialog"
      style={props.wide ? { width: 'min(44rem, 94vw)' } : undefined}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) props.onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
      <div className="dm-form__actions" style={{ marginTop: '1rem' }}>
        <Button variant={props.variant ?? 'primary'} onClick={props.onConfirm} disabled={busy}>
          {props.confirmLabel}
        </Button>
        <Button variant="secondary" onClick={props.onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </dialog>
  );
}
