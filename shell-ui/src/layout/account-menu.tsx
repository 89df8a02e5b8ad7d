// The account menu in the header: the portals this browser holds a session for, change
// password, sign out. A disclosure (button + list), closed with Escape or a click elsewhere.
import type { Portal } from '@dotmac/ui';
import { useEffect, useId, useRef, useState } from 'react';
import { PORTAL_NAMES } from '../portal.ts';

export function AccountMenu(props: {
  readonly portal: Portal;
  readonly otherPortals: readonly Portal[];
  readonly onChangePassword: () => void;
  readonly onSignOut: () => void;
}) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere inside closes the menu.
    <div
      className="shell-menu"
      ref={root}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) close();
      }}
    >
      <button
        ref={button}
        type="button"
        className="shell-menu__button"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
      >
        Account
      </button>
      <div id={menuId} className="shell-menu__panel" hidden={!open}>
        <p className="shell-menu__note">Signed in to the {PORTAL_NAMES[props.portal]} portal</p>
        {props.otherPortals.length > 0 ? (
          <nav aria-label="Switch portal">
            <ul className="shell-menu__list">
              {props.otherPortals.map((portal) => (
                <li key={portal}>
                  <a href={`/${portal}/`} className="shell-menu__item">
                    Open the {PORTAL_NAMES[portal]} portal
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <ul className="shell-menu__list">
          <li>
            <button
              type="button"
              className="shell-menu__item"
              onClick={() => {
                setOpen(false);
                props.onChangePassword();
              }}
            >
              Change password
            </button>
          </li>
          <li>
            <button type="button" className="shell-menu__item" onClick={props.onSignOut}>
              Sign out
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}
