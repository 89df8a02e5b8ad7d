// An online session as GET /sessions answers it (schemas/session.json).

export interface Session {
  readonly subscriptionId: string | null;
  readonly username: string;
  readonly nasAddress: string;
  readonly acctSessionId: string;
  readonly framedIp: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  /** Bytes from the subscriber (upload), a decimal string. */
  readonly inputBytes: string;
  /** Bytes to the subscriber (download), a decimal string. */
  readonly outputBytes: string;
}

/** GET /sessions/summary. */
export interface SessionSummary {
  readonly online: number;
  readonly subscribers: number;
}
