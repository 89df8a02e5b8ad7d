// Real plugin packages for marketplace tests: a small "notes" plugin written to a folder,
// built with the SDK, packed and signed — what a third party would publish.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signPackage } from '@dotmac/kernel';
import { buildPlugin } from '../../sdk/src/cli/build.ts';
import { packPlugin } from '../../sdk/src/cli/pack.ts';

/** Inside the repository, so the plugin's `@dotmac/sdk` import resolves like a workspace's. */
const WORK = fileURLToPath(new URL('../.work/', import.meta.url));

export interface NotesPluginOptions {
  readonly id?: string;
  readonly version: string;
  readonly kernel?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  /** Migrations by name (`0001-create-notes`); default: the one that creates the notes table. */
  readonly migrations?: Readonly<Record<string, string>>;
}

export const CREATE_NOTES =
  'create table notes (id bigint generated always as identity primary key, tenant_id uuid not null, text text not null)';

/** A folder the packages of one test file are built in; `remove` deletes it. */
export async function packageWorkspace(): Promise<{ dir: string; remove(): Promise<void> }> {
  await mkdir(WORK, { recursive: true });
  const dir = await mkdtemp(join(WORK, 'packages-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes, builds and packs a notes plugin (POST /notes adds a note, GET /notes lists them and
 * says which version answered); answers the unsigned .tgz.
 */
export async function packNotesPlugin(workspace: string, options: NotesPluginOptions): Promise<Buffer> {
  const id = options.id ?? 'acme.notes';
  const dir = join(workspace, `${id}-${options.version}`);
  await mkdir(join(dir, 'src', 'server'), { recursive: true });
  await mkdir(join(dir, 'migrations'), { recursive: true });
  const manifest = {
    id,
    version: options.version,
    name: `Notes (${id})`,
    description: 'Notes a tenant’s staff keep: a small plugin the marketplace tests publish and install.',
    publisher: 'acme',
    engines: { kernel: options.kernel ?? '^0.1.0' },
    ...(options.dependencies ? { dependencies: options.dependencies } : {}),
    capabilities: {
      db: true,
      http: {
        routes: [
          {
            method: 'POST',
            path: '/notes',
            summary: 'Add a note',
            permission: `${id}.write`,
            request: {
              body: {
                type: 'object',
                additionalProperties: false,
                required: ['text'],
                properties: { text: { type: 'string', minLength: 1, description: 'The note.' } },
              },
            },
            responses: { '201': { description: 'Added.' } },
          },
          {
            method: 'GET',
            path: '/notes',
            summary: 'The notes, and the version that answers',
            permission: `${id}.read`,
            responses: { '200': { description: 'The notes.' } },
          },
        ],
      },
    },
    permissions: [
      { name: `${id}.read`, description: 'Read notes' },
      { name: `${id}.write`, description: 'Write notes' },
    ],
  };
  await writeFile(join(dir, 'plugin.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'README.md'), `# ${id}\n\nNotes for staff.\n`);
  await writeFile(join(dir, 'CHANGELOG.md'), `# ${options.version}\n\n- Notes.\n`);
  for (const [name, sql] of Object.entries(options.migrations ?? { '0001-create-notes': CREATE_NOTES })) {
    await writeFile(join(dir, 'migrations', `${name}.sql`), `${sql};\n`);
  }
  await writeFile(
    join(dir, 'src', 'server', 'index.ts'),
    `import { definePlugin } from '@dotmac/sdk';

const VERSION = ${JSON.stringify(options.version)};

export default definePlugin({
  routes: {
    'POST /notes': async (ctx, { body }) => {
      const text = (body as { text: string }).text;
      await ctx.db.query('insert into notes (tenant_id, text) values ($1, $2)', [ctx.tenantId, text]);
      return { text, version: VERSION };
    },
    'GET /notes': async (ctx) => {
      const rows = await ctx.db.query<{ text: string }>('select text from notes order by id');
      return { version: VERSION, items: rows.map((r) => r.text) };
    },
  },
});
`,
  );
  await buildPlugin(dir);
  const { file } = await packPlugin(dir);
  return readFile(file);
}

/** Packs and signs a notes plugin as `publisher` with `privateKeyPem`. */
export async function signedNotesPlugin(
  workspace: string,
  options: NotesPluginOptions,
  signer: { readonly publisher: string; readonly privateKeyPem: string },
): Promise<Buffer> {
  return signPackage(await packNotesPlugin(workspace, options), signer.privateKeyPem, signer.publisher);
}

/** Registers `who` (name and public key) as a publisher with the registry at `registryUrl`. */
export async function registerPublisher(
  registryUrl: string,
  who: { readonly publisher: string; readonly publicKey: string },
): Promise<void> {
  const res = await fetch(`${registryUrl}/api/v1/publishers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: who.publisher, publicKey: who.publicKey }),
  });
  if (res.status !== 201) throw new Error(`registering publisher ${who.publisher}: ${res.status} ${await res.text()}`);
}
