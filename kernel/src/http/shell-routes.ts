// The shell (shell-ui/dist): its page for every portal path, so that a reload or a link into
// /admin/customers/42 opens the app, and its assets. The shell knows no ISP screen; the plugins'
// remotes come from /plugins/… (ui-routes).
import { join } from 'node:path';
import { NotFoundError } from '../errors.ts';
import { PORTALS } from '../identity/principal.ts';
import { defineRoute, type HttpRoutes } from './routes.ts';
import { isFile, serveFile } from './static-files.ts';

/** The page's policy: scripts, remotes and API calls from this origin only; logos may be https. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export function registerShellRoutes(routes: HttpRoutes, shellDir: string): void {
  const page = async (c: Parameters<typeof serveFile>[0]) => {
    if (!(await isFile(join(shellDir, 'index.html')))) {
      throw new NotFoundError(`the shell is not built (no ${join(shellDir, 'index.html')}): run npm run build:shell`);
    }
    return serveFile(
      c,
      shellDir,
      'index.html',
      {
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
      },
      { html: true },
    );
  };
  const portals = PORTALS.join('|');

  routes.add(
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The staff portal',
      tags: ['shell'],
      access: 'public',
      responses: { 302: { description: 'To /admin/.' } },
      handler: ({ c }) => c.redirect('/admin/', 302),
    }),
  );
  routes.add(
    defineRoute({
      method: 'get',
      path: `/:portal{${portals}}`,
      summary: "A portal's page (the shell)",
      tags: ['shell'],
      access: 'public',
      responses: { 200: { description: 'The shell.', contentType: 'text/html' } },
      handler: ({ c }) => page(c),
    }),
  );
  routes.add(
    defineRoute({
      method: 'get',
      path: `/:portal{${portals}}/:rest{.*}`,
      summary: 'Any path inside a portal (the shell routes it in the browser)',
      tags: ['shell'],
      access: 'public',
      responses: { 200: { description: 'The shell.', contentType: 'text/html' } },
      handler: ({ c }) => page(c),
    }),
  );
  routes.add(
    defineRoute<unknown, Record<string, never>, { file: string }>({
      method: 'get',
      path: '/shell/:file{.+}',
      summary: "The shell's scripts and styles (content-hashed under assets/: cached for good)",
      tags: ['shell'],
      access: 'public',
      responses: { 200: { description: 'The file.' } },
      handler: ({ c, params }) =>
        serveFile(c, shellDir, params.file, {
          'cache-control': params.file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        }),
    }),
  );
}
