// Builds the shell into dist/ (index.html + assets/) for the kernel to serve under /shell/; the
// kernel answers every portal path (/admin/…) with dist/index.html. The versions of the packages
// the shell shares with plugin remotes are read from the installed packages.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Connect, defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));

/** The installed version of `pkg` (read from its package.json, which `exports` may hide). */
function versionOf(pkg: string): string {
  for (const folder of require.resolve.paths(pkg) ?? []) {
    try {
      return (JSON.parse(readFileSync(join(folder, pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // Not in this node_modules: look further up.
    }
  }
  throw new Error(`shell-ui: ${pkg} is not installed`);
}

const react = versionOf('react');
const sharedVersions = {
  react,
  'react-dom': versionOf('react-dom'),
  'react/jsx-runtime': react,
  wouter: versionOf('wouter'),
  '@dotmac/ui': versionOf('@dotmac/ui'),
};

/** Where `vite` (dev) and `vite preview` send API and plugin requests: a kernel on :3000 by default. */
const kernel = process.env.DOTMAC_KERNEL_URL ?? 'http://127.0.0.1:3000';
const proxy = { '/api': kernel, '/plugins': kernel };

/** Answers portal paths (/admin/…) with the shell's page in `vite` and `vite preview`, as the kernel does. */
function portalPages(): Plugin {
  const portal = /^\/(admin|customer|reseller|technician|platform)(\/|\?|$)/;
  const rewrite: Connect.NextHandleFunction = (req, _res, next) => {
    if (req.method === 'GET' && req.url && portal.test(req.url)) req.url = '/shell/index.html';
    next();
  };
  return {
    name: 'dotmac-portal-pages',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  };
}

export default defineConfig({
  plugins: [portalPages()],
  root: here,
  base: '/shell/',
  define: { __SHARED_VERSIONS__: JSON.stringify(sharedVersions) },
  resolve: { dedupe: ['react', 'react-dom', 'wouter', '@dotmac/ui'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: { proxy },
  preview: { proxy },
});
