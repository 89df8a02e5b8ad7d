// The shell's own copies of the packages every remote shares: React, the router and @dotmac/ui,
// offered to the federation runtime as singletons so each remote runs on them (one React).
import * as DotmacUi from '@dotmac/ui';
import * as React from 'react';
import * as JsxRuntime from 'react/jsx-runtime';
import * as ReactDom from 'react-dom';
import * as Wouter from 'wouter';

/** Versions read from the installed packages at build time (vite.config.ts). */
declare const __SHARED_VERSIONS__: Readonly<Record<string, string>>;

/** What remotes may ask for, as each remote's build declares it (sdk/src/cli/ui.ts). */
const RANGES: Readonly<Record<string, string>> = {
  react: '^19.0.0',
  'react-dom': '^19.0.0',
  'react/jsx-runtime': '^19.0.0',
  wouter: '^3.0.0',
  '@dotmac/ui': '^0.1.0',
};

const MODULES: Readonly<Record<string, unknown>> = {
  react: React,
  'react-dom': ReactDom,
  'react/jsx-runtime': JsxRuntime,
  wouter: Wouter,
  '@dotmac/ui': DotmacUi,
};

/** The `shared` option of the shell's federation instance. */
export function sharedModules() {
  return Object.fromEntries(
    Object.entries(MODULES).map(([name, module]) => [
      name,
      {
        version: __SHARED_VERSIONS__[name] ?? '0.0.0',
        scope: 'default',
        lib: () => module,
        shareConfig: { singleton: true, requiredVersion: RANGES[name] ?? (false as const), eager: true },
      },
    ]),
  );
}
