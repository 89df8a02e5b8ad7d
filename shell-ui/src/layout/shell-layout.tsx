// The frame of a signed-in portal: header (tenant logo and name, account menu), sidebar, main.
// Focus moves to the main area when the page changes, as a screen reader user expects.
import type { Portal, TenantInfo, UiManifest } from '@dotmac/ui';
import { type ReactNode, useEffect, useRef } from 'react';
import { useLocation } from 'wouter';
import { PORTAL_NAMES } from '../portal.ts';
import { AccountMenu } from './account-menu.tsx';
import { SideNav } from './side-nav.tsx';

export function ShellLayout(props: {
  readonly portal: Portal;
  readonly tenant: TenantInfo | null;
  readonly manifest: UiManifest;
  readonly homeTitle: string;
  readonly otherPortals: readonly Portal[];
  readonly onChangePassword: () => void;
  readonly onSignOut: () => void;
  readonly children: ReactNode;
}) {
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each page change.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location]);

  const { tenant } = props;
  const name = tenant?.name ?? 'DotMac';
  return (
    <div className="shell">
      <a className="shell-skip" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        <div className="shell-brand">
          {tenant?.branding.logoUrl ? <img className="shell-brand__logo" src={tenant.branding.logoUrl} alt="" /> : null}
          <span className="shell-brand__name">{name}</span>
          <span className="shell-brand__portal">{PORTAL_NAMES[props.portal]} portal</span>
        </div>
        <AccountMenu
          portal={props.portal}
          otherPortals={props.otherPortals}
          onChangePassword={props.onChangePassword}
          onSignOut={props.onSignOut}
        />
      </header>
      <div className="shell-body">
        <SideNav manifest={props.manifest} homeTitle={props.homeTitle} />
        <main id="main" ref={main} tabIndex={-1} className="shell-main">
          {props.children}
        </main>
      </div>
    </div>
  );
}
