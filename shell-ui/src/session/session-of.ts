// The Session screens see, from GET /api/v1/auth/me.
import type { Portal, Session } from '@dotmac/ui';

/** What GET /api/v1/auth/me answers. */
export interface MeAnswer {
  readonly kind: 'user' | 'operator' | 'api-key';
  readonly userId?: string | null;
  readonly tenantId?: string | null;
  readonly portal?: Portal;
  readonly subjectId?: string | null;
  readonly permissions?: readonly string[];
}

export function sessionOf(me: MeAnswer, portal: Portal): Session {
  return {
    kind: me.kind === 'operator' ? 'operator' : 'user',
    portal: me.portal ?? portal,
    userId: me.userId ?? null,
    tenantId: me.tenantId ?? null,
    subjectId: me.subjectId ?? null,
    permissions: new Set(me.permissions ?? []),
  };
}
