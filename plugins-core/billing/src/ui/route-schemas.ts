// The request schemas of billing's routes, read from plugin.json (their source of truth), for the
// forms that send them: the forms show the same rules the server checks.
import type { JsonSchema } from '@dotmac/ui';
import manifest from '../../plugin.json' with { type: 'json' };

interface DeclaredRoute {
  readonly method: string;
  readonly path: string;
  readonly request?: { readonly body?: unknown };
}

/** The body schema `method path` declares (`POST /payments`). */
export function bodySchema(route: string): JsonSchema {
  const [method, path] = route.split(' ');
  const routes = manifest.capabilities.http.routes as readonly DeclaredRoute[];
  const found = routes.find((r) => r.method === method && r.path === path);
  if (!found?.request?.body) throw new Error(`plugin.json declares no body for ${route}`);
  return found.request.body as JsonSchema;
}

/** One property of a route's body schema, with a label and widget of the form's own. */
export function bodyProperty(route: string, name: string, extra: Partial<JsonSchema> = {}): JsonSchema {
  const property = bodySchema(route).properties?.[name];
  if (!property) throw new Error(`plugin.json's ${route} body has no property ${name}`);
  return { ...property, ...extra };
}
