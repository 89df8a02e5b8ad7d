// Reads a plugin folder's manifest with the kernel's own validator, so the CLI accepts exactly
// what the kernel will.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NotFoundError, readManifest, ValidationError } from '@dotmac/kernel';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import { CliError } from './errors.ts';

/** The absolute path of `dir`, which must be an existing folder. */
export async function pluginFolder(dir: string): Promise<string> {
  const path = resolve(dir);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`plugin folder ${path} does not exist`);
  if (!info.isDirectory()) throw new CliError(`${path} is not a folder; pass the plugin's folder`);
  return path;
}

/** The validated manifest of the plugin in `dir`, schema files inlined; every problem listed by pointer. */
export async function loadManifest(dir: string): Promise<PluginManifest> {
  try {
    return await readManifest(dir);
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw new CliError(`no plugin.json in ${resolve(dir)}; run dotmac-plugin create to start a plugin`);
    }
    if (e instanceof ValidationError) {
      throw new CliError(
        `${resolve(dir, 'plugin.json')} is not a valid plugin manifest:`,
        e.errors.map((p) => `${p.pointer || '/'}: ${p.detail}`),
      );
    }
    throw e;
  }
}
