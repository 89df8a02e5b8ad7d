// How the API client gets the signed-in user's access token: the shell owns the tokens.

/** The shell's side of authentication, as the API client sees it. */
export interface TokenSource {
  /** The current access token (refreshed first when it is about to expire); null when signed out. */
  accessToken(): Promise<string | null>;
  /**
   * Called after a 401 answered to `rejected`: refreshes once (concurrent callers share one
   * refresh; a token already replaced is not refreshed again) and answers the new token, or null
   * when the session has ended.
   */
  refreshAfterUnauthorized(rejected: string | null): Promise<string | null>;
}
