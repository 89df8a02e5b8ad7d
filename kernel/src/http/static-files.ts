// Files served from a folder on disk (plugin UI remotes, the shell): a known content type, and
// never a path outside the folder.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { Context } from 'hono';
import { NotFoundError } from '../errors.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Answers `file` (relative to `root`) with `headers`, or throws NotFoundError when it does not
 * exist, has no known type, or would leave `root` (`..`, absolute paths). HTML only when `html`
 * is set: a page on the kernel's origin reads what the shell stores there.
 */
export async function serveFile(
  c: Context,
  root: string,
  file: string,
  headers: Readonly<Record<string, string>>,
  { html = false }: { readonly html?: boolean } = {},
): Promise<Response> {
  const type = html && extname(file) === '.html' ? 'text/html; charset=utf-8' : CONTENT_TYPES[extname(file)];
  const folder = resolve(root);
  const path = resolve(folder, file);
  if (!type || !path.startsWith(folder + sep) || !(await isFile(path))) {
    throw new NotFoundError(`no file ${c.req.path}`);
  }
  return c.body(await readFile(path), 200, { 'content-type': type, ...headers });
}

/** Whether `path` is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
