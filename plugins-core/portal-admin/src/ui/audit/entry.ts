// An audit log row as GET /api/v1/audit answers it, and how the page words it.

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly tenantId: string | null;
  readonly actor: { readonly type: string; readonly id: string | null };
  /** What was done: `user.roles`, `plugin.enable`, `POST /api/v1/users`… */
  readonly action: string;
  readonly target: string | null;
  readonly data: Readonly<Record<string, unknown>> | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId: string | null;
  readonly ip: string | null;
}

/** One page of GET /api/v1/audit: `next` is the id to pass as `before` for the following page. */
export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly next?: number;
}

const ACTOR_TYPES: Readonly<Record<string, string>> = {
  operator: 'Platform operator',
  'api-key': 'API key',
  'user:admin': 'Staff user',
  'user:customer': 'Customer',
  'user:reseller': 'Reseller',
  'user:technician': 'Technician',
};

/** Who did it, in words. */
export function actorLabel(entry: AuditEntry): string {
  return ACTOR_TYPES[entry.actor.type] ?? entry.actor.type;
}

/** The HTTP status a request row records, when it is one. */
export function outcomeOf(entry: AuditEntry): number | undefined {
  const status = entry.data?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Action prefixes offered as suggestions in the filter. */
export const ACTION_SUGGESTIONS = [
  'user.',
  'role.',
  'api-key.',
  'plugin.',
  'tenant.',
  'POST ',
  'PUT ',
  'PATCH ',
  'DELETE ',
] as const;
