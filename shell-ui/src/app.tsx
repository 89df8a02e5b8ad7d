// A portal's life in the page: branding first, then sign-in (or a restored session), then the
// user and the UI manifest, then the portal itself (loaded as its own chunk).
import {
  ApiError,
  createApiClient,
  ErrorNotice,
  Loading,
  type Portal,
  type TenantInfo,
  type UiManifest,
} from '@dotmac/ui';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { applyBranding, loadBranding } from './branding/branding.ts';
import { PORTAL_NAMES } from './portal.ts';
import { browserTokenKeeper } from './session/browser-session.ts';
import { type MeAnswer, sessionOf } from './session/session-of.ts';
import { SignInPage } from './session/sign-in-page.tsx';
import { readSession, rememberedTenant, rememberTenant } from './session/stored-sessions.ts';
import type { Credentials } from './session/token-keeper.ts';

const loadPortalApp = () => import('./portal-app.tsx');
const PortalApp = lazy(loadPortalApp);

type Phase =
  | { readonly kind: 'starting' }
  | { readonly kind: 'signed-out'; readonly notice?: string }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'ready'; readonly me: MeAnswer; readonly manifest: UiManifest };

/** The tenant slug this page is for: `?tenant=`, else this portal's session's, else the last one used. */
function initialTenantSlug(portal: Portal): string | null {
  const fromUrl = new URLSearchParams(location.search).get('tenant');
  if (fromUrl) {
    rememberTenant(localStorage, fromUrl);
    return fromUrl;
  }
  return readSession(localStorage, portal)?.tenant ?? rememberedTenant(localStorage);
}

export function App({ portal }: { readonly portal: Portal }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [tenantSlug, setTenantSlug] = useState(() => initialTenantSlug(portal));
  const [tenant, setTenant] = useState<TenantInfo | null | undefined>(undefined);
  const keeper = useMemo(
    () =>
      browserTokenKeeper(portal, () =>
        setPhase({ kind: 'signed-out', notice: 'Your session has ended. Sign in again.' }),
      ),
    [portal],
  );
  const kernel = useMemo(() => createApiClient('/api/v1', { tokens: keeper }), [keeper]);

  useEffect(() => {
    let current = true;
    loadBranding(portal === 'platform' ? null : tenantSlug).then((info) => {
      if (current) setTenant(info);
    });
    return () => {
      current = false;
    };
  }, [portal, tenantSlug]);

  useEffect(() => {
    if (tenant !== undefined) applyBranding(tenant, PORTAL_NAMES[portal]);
  }, [tenant, portal]);

  const enter = useCallback(async () => {
    setPhase({ kind: 'starting' });
    try {
      const [me, manifest] = await Promise.all([
        kernel.get<MeAnswer>('/auth/me'),
        kernel.get<UiManifest>('/ui/manifest', { query: { portal } }),
      ]);
      setPhase({ kind: 'ready', me, manifest });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setPhase({ kind: 'signed-out' });
      else setPhase({ kind: 'failed', error });
    }
  }, [kernel, portal]);

  useEffect(() => {
    if (!keeper.hasStoredSession()) {
      setPhase({ kind: 'signed-out' });
      return;
    }
    // The portal's chunk downloads while the session is restored.
    void loadPortalApp();
    keeper.restore().then(
      (restored) => (restored ? enter() : setPhase({ kind: 'signed-out' })),
      (error: unknown) => setPhase({ kind: 'failed', error }),
    );
  }, [keeper, enter]);

  const signIn = async (credentials: Credentials) => {
    void loadPortalApp();
    await keeper.signIn(credentials);
    if (credentials.tenant) {
      rememberTenant(localStorage, credentials.tenant);
      setTenantSlug(credentials.tenant);
    }
    await enter();
  };

  const signOut = async () => {
    await keeper.signOut();
    setPhase({ kind: 'signed-out', notice: 'You have signed out.' });
  };

  if (tenant === undefined || phase.kind === 'starting') {
    return (
      <main id="main" className="shell-starting">
        <Loading />
      </main>
    );
  }
  if (phase.kind === 'signed-out') {
    return (
      <SignInPage
        portal={portal}
        tenant={tenant}
        initialTenantSlug={tenantSlug}
        notice={phase.notice}
        signIn={signIn}
      />
    );
  }
  if (phase.kind === 'failed') {
    return (
      <main id="main" className="shell-starting">
        <h1>The portal could not start</h1>
        <ErrorNotice error={phase.error} />
        <p>
          <button type="button" className="dm-button dm-button--primary" onClick={() => location.reload()}>
            Try again
          </button>
        </p>
      </main>
    );
  }
  return (
    <Suspense
      fallback={
        <main id="main" className="shell-starting">
          <Loading />
        </main>
      }
    >
      <PortalApp
        portal={portal}
        tenant={tenant}
        session={sessionOf(phase.me, portal)}
        manifest={phase.manifest}
        tokens={keeper}
        kernel={kernel}
        onSignOut={signOut}
        onPasswordChanged={() => {
          keeper.forget();
          setPhase({ kind: 'signed-out', notice: 'Your password has been changed. Sign in with the new one.' });
        }}
      />
    </Suspense>
  );
}
