// A button; an async onClick keeps it disabled (and aria-busy) until it settles.
import { type ReactNode, useState } from 'react';

export function Button(props: {
  readonly children: ReactNode;
  readonly onClick?: () => void | Promise<void>;
  readonly type?: 'button' | 'submit';
  readonly variant?: 'primary' | 'secondary' | 'danger';
  readonly disabled?: boolean;
}): ReactNode {
  const [busy, setBusy] = useState(false);
  const click = () => {
    const outcome = props.onClick?.();
    if (outcome instanceof Promise) {
      setBusy(true);
      outcome.finally(() => setBusy(false)).catch(() => {});
    }
  };
  return (
    <button
      type={props.type ?? 'button'}
      className={`dm-button dm-button--${props.variant ?? 'secondary'}`}
      disabled={props.disabled || busy}
      aria-busy={busy || undefined}
      onClick={props.onClick ? click : undefined}
    >
      {props.children}
    </button>
  );
}
