// `dotmac-plugin pack`: the installable package, <id>-<version>.tgz, holding the manifest, the
// server bundle, the UI remote (dist/ui/), the migrations, the README and the CHANGELOG, written by
// the kernel's writePackage: the same files give the same bytes.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { CHECKSUMS_FILE, writePackage } from '@dotmac/kernel';
import { SERVER_BUNDLE } from './build.ts';
import { CliError } from './errors.ts';
import { loadManifest, pluginFolder } from './manifest.ts';
import { REMOTE_ENTRY, UI_DIR } from './ui.ts';

/** The optional release notes a package carries. */
const CHANGELOG = 'CHANGELOG.md';

/** What pack produced. */
export interface PackResult {
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** Every file in the package, sorted, with its SHA-256. */
  readonly checksums: Readonly<Record<string, string>>;
}

/** Packs the built plugin in `dir` into `<outDir>/<id>-<version>.tgz` (outDir: the plugin folder). */
export async function packPlugin(dir: string, outDir?: string): Promise<PackResult> {
  const root = await pluginFolder(dir);
  const manifest = await loadManifest(root);
  const files = new Map<string, Buffer>();
  // The packed manifest is the resolved one: schema files inlined, so it stands alone.
  files.set('plugin.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  files.set(SERVER_BUNDLE, await readRequired(root, SERVER_BUNDLE, 'run dotmac-plugin build first'));
  files.set('README.md', await readRequired(root, 'README.md', 'a package needs a README for operators'));
  // Registries show it on the plugin's page, version by version.
  const changelog = await readFile(join(root, CHANGELOG)).catch(() => undefined);
  if (changelog) files.set(CHANGELOG, changelog);
  if ((manifest.ui ?? []).length > 0) {
    await readRequired(root, `${UI_DIR}/${REMOTE_ENTRY}`, 'the manifest contributes UI: run dotmac-plugin build first');
    for (const name of await filesUnder(join(root, UI_DIR))) {
      files.set(`${UI_DIR}/${name}`, await readFile(join(root, UI_DIR, name)));
    }
  }
  const db = manifest.capabilities?.db;
  if (db) {
    const folder = (typeof db === 'object' && db.migrations) || 'migrations';
    const names = await readdir(join(root, folder)).catch(() => {
      throw new CliError(`the manifest declares a db capability but ${join(root, folder)} does not exist`);
    });
    const sql = names.filter((name) => name.endsWith('.sql')).sort();
    if (sql.length === 0) throw new CliError(`${join(root, folder)} holds no .sql migration`);
    for (const name of sql) files.set(`${folder}/${name}`, await readFile(join(root, folder, name)));
  }
  const checksums = Object.fromEntries(
    [...files.keys()].sort().map((name) => [
      name,
      createHash('sha256')
        .update(files.get(name) as Buffer)
        .digest('hex'),
    ]),
  );
  files.set(CHECKSUMS_FILE, Buffer.from(`${JSON.stringify(checksums, null, 2)}\n`));

  const file = join(outDir ?? root, `${manifest.id}-${manifest.version}.tgz`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, await writePackage(files));
  return { file, checksums };
}

/** Every file under `dir`, as paths relative to it with `/`, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function readRequired(root: string, name: string, hint: string): Promise<Buffer> {
  const path = join(root, name);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`${path} is missing: ${hint}`);
  return readFile(path);
}
