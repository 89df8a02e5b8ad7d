// The signed-in user's tokens for one portal: the access token in memory, the refresh token in
// storage. Refresh tokens rotate and a reused one ends the session, so refreshes are serialised:
// one at a time in this page (callers share it) and, through a Web Lock, across the browser's tabs.
import { ApiError, type Portal, problemOf, type TokenSource } from '@dotmac/ui';
import { forgetSession, type KeyValueStore, readSession, writeSession } from './stored-sessions.ts';

/** What sign-in and refresh answer. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds. */
  readonly expiresIn: number;
}

/** What someone signing in offers. */
export interface Credentials {
  readonly email: string;
  readonly password: string;
  readonly tenant?: string | undefined;
  readonly totpCode?: string | undefined;
}

/** Runs `work` holding an exclusive lock named `name` (navigator.locks in the browser). */
export type LockRunner = <T>(name: string, work: () => Promise<T>) => Promise<T>;

export interface TokenKeeperOptions {
  readonly portal: Portal;
  readonly store: KeyValueStore;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly lock?: LockRunner;
  /** Schedules the refresh ahead of expiry; answers how to cancel it. None in tests. */
  readonly schedule?: (run: () => void, delayMs: number) => () => void;
  /** Called when the session ends without the user signing out (refresh refused). */
  readonly onSessionEnded?: () => void;
}

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export class TokenKeeper implements TokenSource {
  private access: { readonly token: string; readonly expiresAt: number } | null = null;
  private refreshing: Promise<string | null> | null = null;
  private cancelTimer: (() => void) | null = null;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly lock: LockRunner;

  constructor(private readonly options: TokenKeeperOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    this.lock = options.lock ?? ((_, work) => work());
  }

  get portal(): Portal {
    return this.options.portal;
  }

  /** Whether this portal has a session to restore. */
  hasStoredSession(): boolean {
    return readSession(this.options.store, this.portal) !== undefined;
  }

  /** Signs in; throws the ApiError of a refusal (TOTP_CODE_REQUIRED when a code is needed). */
  async signIn(credentials: Credentials): Promise<void> {
    const body = {
      email: credentials.email,
      password: credentials.password,
      portal: this.portal,
      ...(credentials.tenant ? { tenant: credentials.tenant } : {}),
      ...(credentials.totpCode ? { totpCode: credentials.totpCode } : {}),
    };
    const pair = await this.post<TokenPair>('/api/v1/auth/login', body);
    this.accept(pair, credentials.tenant ?? null);
  }

  /** Restores the stored session (a refresh); false when there is none or it has ended. */
  async restore(): Promise<boolean> {
    return (await this.refresh()) !== null;
  }

  async accessToken(): Promise<string | null> {
    if (this.access && this.access.expiresAt - this.now() > REFRESH_MARGIN_MS / 2) return this.access.token;
    if (!this.access && !this.hasStoredSession()) return null;
    return this.refresh();
  }

  async refreshAfterUnauthorized(rejected: string | null): Promise<string | null> {
    // Another call already replaced the token that was refused: use the new one.
    if (this.access && this.access.token !== rejected) return this.access.token;
    return this.refresh();
  }

  /** Trades the stored refresh token for new tokens; concurrent callers share one trade. */
  refresh(): Promise<string | null> {
    this.refreshing ??= this.lock(`dotmac.refresh.${this.portal}`, () => this.trade()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Signs out: the server ends the session, this browser forgets it. */
  async signOut(): Promise<void> {
    const token = this.access?.token;
    this.forget();
    if (!token) return;
    await this.fetch('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(
      () => undefined,
    );
  }

  /** Forgets the session here (tokens, timer) without telling the server. */
  forget(): void {
    this.access = null;
    this.cancelTimer?.();
    this.cancelTimer = null;
    forgetSession(this.options.store, this.portal);
  }

  private async trade(): Promise<string | null> {
    // Read inside the lock: another tab may have rotated the token meanwhile.
    const stored = readSession(this.options.store, this.portal);
    if (!stored) {
      this.access = null;
      return null;
    }
    try {
      const pair = await this.post<TokenPair>('/api/v1/auth/refresh', { refreshToken: stored.refreshToken });
      this.accept(pair, stored.tenant);
      return pair.accessToken;
    } catch (e) {
      // A refused refresh (expired, revoked, reused) ends the session; a network failure does not.
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        this.forget();
        this.options.onSessionEnded?.();
        return null;
      }
      throw e;
    }
  }

  private accept(pair: TokenPair, tenant: string | null): void {
    writeSession(this.options.store, this.portal, { refreshToken: pair.refreshToken, tenant });
    this.access = { token: pair.accessToken, expiresAt: this.now() + pair.expiresIn * 1000 };
    this.cancelTimer?.();
    const delay = Math.max(5_000, pair.expiresIn * 1000 - REFRESH_MARGIN_MS);
    this.cancelTimer = this.options.schedule?.(() => void this.refresh().catch(() => undefined), delay) ?? null;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError({ title: 'The server could not be reached', status: 0, detail: (e as Error).message });
    }
    if (!response.ok) throw await problemOf(response);
    return (await response.json()) as T;
  }
}
