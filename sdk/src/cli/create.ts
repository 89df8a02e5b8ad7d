// `dotmac-plugin create`: a new plugin folder that validates, builds, tests and packs as it is:
// a route, an event, an event handler, a cron job, a migration, a UI screen and a testbed test.
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
              properties: { name: { type: 'string', description: 'Who was greeted.' } },
            },
          },
        ],
        subscribe: ['plugin.enabled'],
      },
      http: {
        routes: [
          {
            method: 'GET',
            path: '/greetings/:name',
            summary: 'Greets someone, records the greeting and says how often they were greeted',
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
                  required: ['message', 'times'],
                  properties: { message: { type: 'string' }, times: { type: 'integer' } },
                },
              },
            },
          },
        ],
      },
      jobs: [
        {
          name: 'forget-greetings',
          description: 'Deletes greetings older than 30 days.',
          cron: '0 3 * * *',
        },
      ],
    },
    ui: [
      {
        portal: 'admin',
        slot: 'route',
        path: `/${last}`,
        module: './Greetings',
        title: name,
        permission,
      },
      { portal: 'admin', slot: 'nav', path: `/${last}`, title: name, permission },
    ],
    permissions: [{ name: permission, description: 'Read greetings' }],
  };
  return {
    'plugin.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'src/server/index.ts': serverSource(id, event),
    'src/ui/Greetings.tsx': uiSource(name),
    'migrations/0001-init.sql': MIGRATION,
    'test/plugin.test.ts': testSource(event),
    'package.json': `${JSON.stringify(
      {
        name: `${id}`,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          build: 'dotmac-plugin build .',
          test: 'dotmac-plugin test .',
          pack: 'dotmac-plugin pack .',
        },
        devDependencies: {
          '@dotmac/sdk': '^0.1.0',
          '@dotmac/ui': '^0.1.0',
          react: '^19.3.1',
          'react-dom': '^19.3.1',
          vitest: '^5.1.1',
        },
      },
      null,
      2,
    )}\n`,
    'README.md': readme(id, name, event),
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
  };
}

function serverSource(id: string, event: string): string {
  return `// Server code of the plugin: every handler gets a context holding exactly the capabilities
// plugin.json declares. Built into dist/server.js by \`dotmac-plugin build\`.
import { definePlugin } from '@dotmac/sdk';

const DAY_MS = 24 * 3600_000;

export default definePlugin({
  routes: {
    'GET /greetings/:name': async (ctx, { params }) => {
      const now = await ctx.clock.now();
      // The insert and the event commit together, or neither does.
      const [, counted] = await ctx.db.transaction(
        [
          {
            sql: 'insert into greetings (tenant_id, name, greeted_at) values ($1, $2, $3)',
            params: [ctx.tenantId, params.name, now.toISOString()],
          },
          { sql: 'select count(*)::int as times from greetings where name = $1', params: [params.name] },
        ],
        { events: [{ name: '${event}', payload: { name: params.name } }] },
      );
      return { message: \`Hello, \${params.name}!\`, times: counted?.[0]?.times ?? 1 };
    },
  },

  async onEvent(ctx, event) {
    if (event.name === 'plugin.enabled' && event.payload.pluginId === '${id}') {
      await ctx.log.info('ready to greet');
    }
  },

  jobs: {
    'forget-greetings': async (ctx) => {
      const before = new Date((await ctx.clock.now()).getTime() - 30 * DAY_MS);
      const gone = await ctx.db.query('delete from greetings where greeted_at < $1 returning name', [
        before.toISOString(),
      ]);
      await ctx.log.info('forgot old greetings', { count: gone.length });
    },
  },
});
`;
}

function uiSource(name: string): string {
  return `// The admin portal screen plugin.json contributes (module ./Greetings). Built with React into
// the plugin's Module Federation remote, dist/ui/remoteEntry.js; the shell provides React and
// @dotmac/ui, whose API client calls this plugin's routes with the signed-in user's token.
import { Button, ErrorNotice, PageFrame, useApi } from '@dotmac/ui';
import { useState } from 'react';

interface Greeting {
  readonly message: string;
  readonly times: number;
}

export default function Greetings() {
  const api = useApi();
  const [name, setName] = useState('');
  const [greeting, setGreeting] = useState<Greeting>();
  const [error, setError] = useState<unknown>();
  const greet = async () => {
    setError(undefined);
    try {
      setGreeting(await api.get<Greeting>(\`/greetings/\${encodeURIComponent(name)}\`));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <PageFrame title="${name}">
      <label>
        Whom to greet <input value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <Button onClick={greet} disabled={!name}>
        Greet
      </Button>
      {error ? <ErrorNotice error={error} /> : null}
      {greeting ? (
        <p role="status">
          {greeting.message} ({greeting.times} times)
        </p>
      ) : null}
    </PageFrame>
  );
}
`;
}

const MIGRATION = `-- The plugin's first migration. Every table holds tenant_id: the kernel adds row-level
-- security on it, so a tenant only ever sees its own rows.
create table greetings (
  id bigint generated always as identity primary key,
  tenant_id uuid not null,
  name text not null,
  greeted_at timestamptz not null
);
`;

function testSource(event: string): string {
  return `// The plugin in the real kernel and sandbox, on a database of its own, with a clock the test
// moves. Run with \`npm test\` (dotmac-plugin test): it builds the plugin first.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: '2026-01-15T09:00:00Z' });
});
afterAll(() => bed?.close());

test('GET /greetings/:name greets and counts the greetings of each tenant apart', async () => {
  const a = await bed.tenant('isp-a');
  const b = await bed.tenant('isp-b');
  expect(await bed.request(a, 'GET /greetings/Ada')).toMatchObject({
    status: 200,
    body: { message: 'Hello, Ada!', times: 1 },
  });
  expect((await bed.request(a, 'GET /greetings/Ada')).body).toMatchObject({ times: 2 });
  expect((await bed.request(b, 'GET /greetings/Ada')).body).toMatchObject({ times: 1 });
});

test('a greeting publishes ${event}', async () => {
  const tenant = await bed.tenant();
  await bed.request(tenant, 'GET /greetings/Grace');
  const [greeted] = await bed.events({ tenant, name: '${event}' });
  expect(greeted?.payload).toEqual({ name: 'Grace' });
});

test('the plugin hears that it was enabled for a tenant', async () => {
  const tenant = await bed.tenant();
  await bed.settle();
  expect(bed.logs).toContainEqual(expect.objectContaining({ tenantId: tenant, message: 'ready to greet' }));
});

test('forget-greetings deletes the greetings older than 30 days', async () => {
  const tenant = await bed.tenant();
  await bed.request(tenant, 'GET /greetings/Linus');
  bed.clock.advance(31 * 24 * 3600_000);
  await bed.runCron('forget-greetings');
  expect((await bed.request(tenant, 'GET /greetings/Linus')).body).toMatchObject({ times: 1 });
});
`;
}

function readme(id: string, name: string, event: string): string {
  return `# ${name} (\`${id}\`)

A DotMac plugin. \`plugin.json\` declares what it may do; \`src/server/index.ts\` does it;
\`src/ui/\` holds its screens.

- Route \`GET /greetings/:name\`: greets, records the greeting, answers how often that name was greeted.
- Publishes \`${event}\` for each greeting; handles \`plugin.enabled\`.
- Job \`forget-greetings\`, daily at 03:00: deletes greetings older than 30 days.
- Admin portal screen \`./Greetings\` at \`/${id.split('.').at(-1)}\`.

Commands:

- \`npm run build\` bundles the server code into \`dist/server.js\` and the UI into \`dist/ui/\`.
- \`npm test\` builds, then runs \`test/\` against the real kernel, sandbox and database.
- \`npm run pack\` makes \`${id}-<version>.tgz\`, the file an operator installs.
`;
}
