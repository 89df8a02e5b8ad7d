// What a portal shows before anyone signs in: the tenant's name, logo, colours, locale and
// currency, found by the request's host name or (on the platform host) the slug given.
import { NotFoundError } from '../errors.ts';
import { defineRoute, type HttpRoutes } from '../http/routes.ts';
import { hostnameOf } from './authenticate.ts';
import type { Tenants } from './tenants.ts';

export function registerBrandingRoute(
  routes: HttpRoutes,
  tenants: Pick<Tenants, 'byHostname' | 'bySlug'>,
  platformHosts: readonly string[],
): void {
  const platform = new Set(platformHosts.map((h) => h.toLowerCase()));
  routes.add(
    defineRoute<unknown, { tenant?: string }>({
      method: 'get',
      path: '/api/v1/ui/branding',
      summary: "A tenant's public face for its portals' sign-in page: name, logo, colours, locale, currency",
      tags: ['ui'],
      access: 'public',
      request: {
        query: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tenant: {
              type: 'string',
              pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
              description: "The tenant's slug, on the platform host name; a tenant's own host name needs none.",
            },
          },
        },
      },
      responses: { 200: { description: '`tenant` is null on the platform host when no slug is given.' } },
      handler: async ({ c, query }) => {
        const host = hostnameOf(c);
        const onPlatform = !host || platform.has(host);
        const tenant = query.tenant
          ? await tenants.bySlug(query.tenant)
          : onPlatform
            ? null
            : await tenants.byHostname(host);
        if (tenant === undefined) {
          throw new NotFoundError(query.tenant ? `no tenant ${query.tenant}` : `no tenant answers on ${host}`);
        }
        c.header('cache-control', 'no-cache');
        return c.json({
          tenant: tenant && {
            slug: tenant.slug,
            name: tenant.name,
            locale: tenant.locale,
            currency: tenant.currency,
            timeZone: tenant.timeZone,
            branding: tenant.branding,
          },
        });
      },
    }),
  );
}
