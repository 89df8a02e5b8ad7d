// The DotMac plugin registry: publishers with Ed25519 keys publish signed packages; operators'
// kernels search, read plugin pages and download. Its data lives in the `marketplace` schema of
// PostgreSQL (DATABASE_URL), or of an embedded PGlite database under its data folder.
import type { Server } from 'node:http';
import {
  createApp,
  createLogger,
  Database,
  DEFAULT_PACKAGE_LIMITS,
  defineRoute,
  HttpRoutes,
  type Logger,
  loadConfig,
  Metrics,
} from '@dotmac/kernel';
import { serve } from '@hono/node-server';
import { migrateRegistry } from './migrations.ts';
import { registerPluginRoutes } from './plugin-routes.ts';
import { registerPublisherRoutes } from './publisher-routes.ts';
import { RegistryStore } from './store.ts';

export type { CatalogFilter, CatalogItem } from './catalog.ts';
export type { Published } from './publishing.ts';

/** Where the registry keeps its data and where it listens. */
export interface RegistryOptions {
  /** PostgreSQL URL; absent: the embedded PGlite database under `dataDir`. */
  readonly databaseUrl?: string;
  /** Folder of the embedded database (default `.data/marketplace`). */
  readonly dataDir?: string;
  /** TCP port; default 0, any free port (see `url`). */
  readonly port?: number;
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Largest package accepted, in bytes (default 20 MiB). */
  readonly maxPackageBytes?: number;
  readonly log?: Logger;
}

/** A registry serving HTTP. */
export interface RunningRegistry {
  /** Its base URL, e.g. http://127.0.0.1:4873. */
  readonly url: string;
  /** Stops serving (open requests get a moment to finish) and closes the database. */
  close(): Promise<void>;
}

/** The API version the registry reports. */
export const REGISTRY_VERSION = '0.1.0';

/** Opens the database, applies the registry's migrations and starts serving. */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const log = options.log ?? createLogger('info');
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir ?? '.data/marketplace',
  });
  const db = await Database.open(config, log);
  try {
    await migrateRegistry(db);
    const routes = new HttpRoutes();
    registerRegistryRoutes(routes, db, options.maxPackageBytes ?? DEFAULT_PACKAGE_LIMITS.maxBytes);
    const app = createApp({ routes, log, metrics: new Metrics(), adminToken: undefined });
    const { server, url } = await listen(app.fetch, options.port ?? 0, options.host ?? '127.0.0.1');
    log.info({ url, database: db.kind }, 'registry listening');
    let closing: Promise<void> | undefined;
    return {
      url,
      close() {
        closing ??= (async () => {
          await closeServer(server, 5000);
          await db.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

function registerRegistryRoutes(routes: HttpRoutes, db: Database, maxPackageBytes: number): void {
  const store = new RegistryStore(db);
  registerPublisherRoutes(routes, { store, maxPackageBytes });
  registerPluginRoutes(routes, store);
  routes.add(
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up and the database answers',
      tags: ['probes'],
      access: 'public',
      responses: { 200: { description: 'Alive.' } },
      handler: async ({ c }) => {
        await db.ping();
        return c.json({ status: 'ok' });
      },
    }),
  );
  routes.add(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['meta'],
      access: 'public',
      responses: { 200: { description: 'The document.' } },
      handler: ({ c }) => c.json(routes.openApi({ title: 'DotMac plugin registry', version: REGISTRY_VERSION })),
    }),
  );
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (info) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({ server: server as Server, url: `http://${host}:${info.port}` });
    });
    server.once('error', reject);
  });
}

/** Stops accepting, lets open requests finish for up to `timeoutMs`, then cuts what is left. */
async function closeServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearTimeout(timer);
}
