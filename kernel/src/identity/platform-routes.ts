// The platform operator's own accounts and the token signing keys.
import type { Database } from '../db/database.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import { actorOf, appendAudit } from './audit.ts';
import type { Principal } from './principal.ts';
import type { SigningKeys } from './signing-keys.ts';
import type { Users } from './users.ts';

export function registerPlatformRoutes(
  routes: HttpRoutes,
  deps: { readonly db: Database; readonly users: Users; readonly signingKeys: SigningKeys },
): void {
  routes.add(
    defineRoute({
      method: 'get',
      path: '/api/v1/platform/users',
      summary: 'The platform operator’s accounts',
      tags: ['platform'],
      access: 'admin',
      responses: { 200: { description: 'The accounts; never a password or secret.' } },
      handler: async ({ c }) => c.json({ items: await deps.users.list(null, 'platform') }),
    }),
  );

  routes.add(
    defineRoute<{ email: string; displayName?: string }>({
      method: 'post',
      path: '/api/v1/platform/users',
      summary: 'Invite someone to operate the platform (they get an email with a link)',
      tags: ['platform'],
      access: 'admin',
      request: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 254, description: 'Where the invitation goes.' },
            displayName: { type: 'string', maxLength: 200, description: 'The name shown for them.' },
          },
        },
      },
      responses: { 201: { description: 'Invited.' } },
      handler: async ({ c, body, principal }) => {
        const { actorType, actorId } = actorOf(principal as Principal);
        const invited = await deps.db.transaction((tx) =>
          deps.users.invite(
            tx,
            { tenantId: null, portal: 'platform', ...body },
            { type: actorType, ...(actorId ? { id: actorId } : {}), requestId: c.get('requestId') },
          ),
        );
        return c.json(invited, 201);
      },
    }),
  );

  routes.add(
    defineRoute({
      method: 'post',
      path: '/api/v1/platform/signing-keys/rotate',
      summary: 'Sign new access tokens with a new key; tokens signed with the old one stay valid until they expire',
      tags: ['platform'],
      access: 'admin',
      responses: { 200: { description: 'The new key id.' } },
      handler: async ({ c, principal }) => {
        const kid = await deps.signingKeys.rotate();
        await appendAudit(deps.db, {
          tenantId: null,
          ...actorOf(principal as Principal),
          action: 'signing-key.rotate',
          target: `signing-key:${kid}`,
          requestId: c.get('requestId'),
        });
        return c.json({ kid });
      },
    }),
  );
}
