// `dotmac-plugin create`: a new plugin folder that validates, builds and packs as it is.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { KERNEL_VERSION, PLUGIN_ID } from '@dotmac/kernel';
import { CliError } from './errors.ts';
import { loadManifest } from './manifest.ts';

/** Options of `create`. */
export interface CreateOptions {
  /** Plugin id, reverse-DNS (`acme.hello`). */
  readonly id: string;
  /** Publisher shown to operators; derived from the id when absent. */
  readonly publisher?: string;
}

/** Writes a plugin scaffold into `dir` (which must be absent or empty); answers the files written. */
export async function createPlugin(dir: string, options: CreateOptions): Promise<string[]> {
  const { id } = options;
  if (!PLUGIN_ID.test(id) || id.length > 56) {
    throw new CliError(
      `--id ${id} is not a plugin id: use reverse-DNS, lowercase, at least two words (acme.hello, acme.mikrotik-sync), at most 56 characters`,
    );
  }
  const root = resolve(dir);
  const existing = await readdir(root).catch(() => []);
  if (existing.length > 0) throw new CliError(`${root} is not empty; create a plugin in a new folder`);
  const files = scaffold(id, options.publisher);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text);
  }
  await loadManifest(root);
  return Object.keys(files);
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
const title = (word: string) => word.split('-').map(capitalize).join(' ');

/** The scaffold's files by path. */
function scaffold(id: string, publisherOption?: string): Record<string, string> {
  const words = id.split('.');
  const last = words[words.length - 1] as string;
  const name = title(last);
  const publisher = publisherOption ?? title(words[0] as string);
  const event = `${last}.greeted`;
  const permission = `${id}.greetings.read`;
  const [major, minor] = KERNEL_VERSION.split('.');
  const manifest = {
    $schema: 'https://dotmac.dev/schemas/plugin-manifest.schema.json',
    id,
    version: '0.1.0',
    name,
    description: `${name}: greets people and remembers whom it greeted.`,
    publisher,
    engines: { kernel: `^${major}.${minor}.0` },
    capabilities: {
      db: true,
      events: {
        publish: [
          {
            name: event,
            description: 'Someone was greeted.',
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: { name: { type: 'string' } },
            },
          },
        ],
        subscribe: ['tenant.created'],
      },
      http: {
        routes: [
          {
            method: 'GET',
            path: '/greetings/:name',
            summary: 'Greets someone and records the greeting',
            permission,
            request: {
              params: {
                type: 'object',
                required: ['name'],
                properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
              },
            },
            responses: {
              '200': {
                description: 'The greeting',
                schema: {
                  type: 'object',
                  required: ['message'],
                  properties: { message: { type: 'string' } },
                },
              },
            },
          },
        ],
      },
    },
    permissions: [{ name: permission, description: 'Read greetings' }],
  };
  return {
    'plugin.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'src/server/index.ts': serverSource(event),
    'migrations/0001-init.sql': MIGRATION,
    'test/server.test.ts': testSource(id, event),
    'package.json': `${JSON.stringify(
      {
        name: `${id}`,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          build: `dotmac-plugin build .`,
          pack: `dotmac-plugin pack .`,
          test: 'vitest run',
        },
        devDependencies: { '@dotmac/sdk': '^0.1.0', vitest: '^5.1.1' },
      },
      null,
      2,
    )}\n`,
    'README.md': readme(id, name),
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
  };
}

function serverSource(event: string): string {
  return `// Server code of the plugin: every handler gets a context holding exactly the capabilities
// plugin.json declares. Built into dist/server.js by \`dotmac-plugin build\`.
import { definePlugin } from '@dotmac/sdk';

export default definePlugin({
  routes: {
    'GET /greetings/:name': async (ctx, { params }) => {
      await ctx.db.transaction(
        [{ sql: 'insert into greetings (tenant_id, name) values ($1, $2)', params: [ctx.tenantId, params.name] }],
        { events: [{ name: '${event}', payload: { name: params.name } }] },
      );
      return { message: \`Hello, \${params.name}!\` };
    },
  },

  async onEvent(ctx, event) {
    if (event.name === 'tenant.created') await ctx.log.info('a new tenant can be greeted now');
  },
});
`;
}

const MIGRATION = `-- The plugin's first migration. Every table holds tenant_id: the kernel adds row-level
-- security on it, so a tenant only ever sees its own rows.
create table greetings (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  name text not null,
  greeted_at timestamptz not null default now()
);
`;

function testSource(id: string, event: string): string {
  return `// Unit test of the route handler, run natively with a recording context (not the sandbox).
import { createTestContext, invokeEntry } from '@dotmac/sdk/testing';
import { expect, test } from 'vitest';
import plugin from '../src/server/index.ts';

test('GET /greetings/:name greets by name and records the greeting with its event', async () => {
  const { context, calls } = createTestContext('00000000-0000-4000-8000-000000000001');
  const reply = await invokeEntry(plugin, 'route:GET /greetings/:name', { params: { name: 'Ada' } }, context);
  expect(reply).toEqual({ message: 'Hello, Ada!' });
  expect(calls[0]).toMatchObject({ capability: 'db', method: 'batch' });
  expect(calls[0]?.args).toMatchObject({ events: [{ name: '${event}', payload: { name: 'Ada' } }] });
});

// ${id}: add a test for every route, event and job you write.
`;
}

function readme(id: string, name: string): string {
  return `# ${name} (\`${id}\`)

A DotMac plugin. \`plugin.json\` declares what it may do; \`src/server/index.ts\` does it.

- \`npm run build\` bundles the server code into \`dist/server.js\`.
- \`npm run pack\` makes \`${id}-<version>.tgz\`, the file an operator installs.
- \`npm test\` runs the unit tests.
`;
}
