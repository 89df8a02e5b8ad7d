// The shell refuses a remote that would run a React of its own.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExposedAssetsOf } from '../src/federation/preload.ts';
import { manifestUrlOf } from '../src/federation/remote-registry.ts';
import { secondReactProblem } from '../src/federation/shared-check.ts';

const shared = (name: string, version = '19.3.1', singleton = true) => ({
  name,
  version,
  singleton,
  requiredVersion: '^19.0.0',
});

describe('secondReactProblem', () => {
  it('accepts react and react-dom shared as singletons at 19.x', () => {
    expect(
      secondReactProblem('dotmac.x', { shared: [shared('react'), shared('react-dom'), shared('wouter', '3.13.0')] }),
    ).toBeUndefined();
  });

  it('refuses a remote that shares nothing, naming the plugin and what to do', () => {
    expect(secondReactProblem('dotmac.x', { shared: [] })).toBe(
      "dotmac.x's screens were built without DotMac's shared React (rebuild with dotmac-plugin build): react is not shared, react-dom is not shared",
    );
  });

  it('refuses React that is not a singleton or not 19', () => {
    expect(
      secondReactProblem('p', { shared: [shared('react', '19.0.0', false), shared('react-dom', '18.3.1')] }),
    ).toMatch(/react is not a singleton, react-dom 18\.3\.1 is not \^19/);
  });

  it('refuses a remote without a manifest it can read', () => {
    expect(secondReactProblem('p', null)).toMatch(/built without DotMac's shared React/);
    expect(secondReactProblem('p', { id: 'x' })).toMatch(/built without DotMac's shared React/);
  });

  it('finds the manifest beside the remote entry', () => {
    expect(manifestUrlOf('/plugins/dotmac.x/1.0.0/ui/remoteEntry.js')).toBe(
      '/plugins/dotmac.x/1.0.0/ui/mf-manifest.json',
    );
  });
});

describe('a manifest the SDK build writes', () => {
  // The shape of @module-federation/vite's mf-manifest.json (dotmac-plugin build plugins-core/customers).
  const manifest = {
    shared: [
      shared('react'),
      shared('react-dom'),
      shared('react/jsx-runtime'),
      shared('wouter', '3.13.0'),
      shared('@dotmac/ui', '0.1.0'),
    ],
    exposes: [
      {
        name: 'Customers',
        path: './Customers',
        assets: {
          js: {
            sync: ['assets/utils-x.js', 'assets/Customers-y.js'],
            async: ['assets/react-z.js', 'assets/_virtual_mf___loadShare__shared-w.js'],
          },
        },
      },
    ],
  };

  it('is accepted', () => {
    expect(secondReactProblem('dotmac.customers', manifest)).toBeUndefined();
  });

  it('lists the chunks to preload for a module, without the fallback copies of shared packages', () => {
    expect(new ExposedAssetsOf(manifest).filesOf('./Customers')).toEqual([
      'assets/utils-x.js',
      'assets/Customers-y.js',
      'assets/_virtual_mf___loadShare__shared-w.js',
    ]);
    expect(new ExposedAssetsOf(manifest).filesOf('./Nope')).toEqual([]);
  });

  it('is what a built plugin has, when one is built', () => {
    let built: unknown;
    try {
      built = JSON.parse(
        readFileSync(new URL('../../plugins-core/customers/dist/ui/mf-manifest.json', import.meta.url), 'utf8'),
      );
    } catch {
      return; // Not built in this checkout: the literal above stands for it.
    }
    expect(secondReactProblem('dotmac.customers', built)).toBeUndefined();
  });
});
