// What survives a reload: each portal's refresh token and the tenant it belongs to, and the last
// tenant slug used. Access tokens live in memory only.
import type { Portal } from '@dotmac/ui';
import { PORTALS } from '../portal.ts';

/** The part of Storage the shell uses (localStorage in the browser, a map in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** A portal's remembered session. */
export interface StoredSession {
  readonly refreshToken: string;
  /** The tenant's slug, when one was given at sign-in. */
  readonly tenant: string | null;
}

const sessionKey = (portal: Portal) => `dotmac.session.${portal}`;
const TENANT_KEY = 'dotmac.tenant';

export function readSession(store: KeyValueStore, portal: Portal): StoredSession | undefined {
  try {
    const value = JSON.parse(store.getItem(sessionKey(portal)) ?? 'null') as StoredSession | null;
    return value && typeof value.refreshToken === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function writeSession(store: KeyValueStore, portal: Portal, session: StoredSession): void {
  store.setItem(sessionKey(portal), JSON.stringify(session));
}

export function forgetSession(store: KeyValueStore, portal: Portal): void {
  store.removeItem(sessionKey(portal));
}

/** The portals holding a remembered session. */
export function portalsWithSessions(store: KeyValueStore): Portal[] {
  return PORTALS.filter((portal) => readSession(store, portal) !== undefined);
}

/** The tenant slug last used (from `?tenant=` or a sign-in). */
export function rememberedTenant(store: KeyValueStore): string | null {
  return store.getItem(TENANT_KEY);
}

export function rememberTenant(store: KeyValueStore, slug: string | null): void {
  if (slug) store.setItem(TENANT_KEY, slug);
  else store.removeItem(TENANT_KEY);
}
