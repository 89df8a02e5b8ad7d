// Which version the registry offers, and what a search keeps: the pure rules behind the API.
import { describe, expect, test } from 'vitest';
import { offeredVersion, searchCatalog, type VersionFacts } from '../src/catalog.ts';

function facts(pluginId: string, version: string, more: Partial<VersionFacts> = {}): VersionFacts {
  return {
    pluginId,
    version,
    name: pluginId,
    description: '',
    publisher: 'acme',
    kernel: '^0.1.0',
    capabilities: [],
    portals: [],
    yanked: null,
    downloads: 0,
    ...more,
  };
}

describe('the offered version', () => {
  test('is the highest by semver precedence, not by publication order or string order', () => {
    const versions = ['1.9.0', '1.10.0', '1.2.3'].map((v) => facts('a.b', v));
    expect(offeredVersion(versions)?.version).toBe('1.10.0');
  });

  test('skips yanked versions', () => {
    const versions = [facts('a.b', '1.0.0'), facts('a.b', '1.1.0', { yanked: 'broken' })];
    expect(offeredVersion(versions)?.version).toBe('1.0.0');
    expect(offeredVersion([facts('a.b', '1.1.0', { yanked: 'broken' })])).toBeUndefined();
  });

  test('prefers a release to a higher pre-release, which it offers only when there is no release', () => {
    expect(offeredVersion([facts('a.b', '1.0.0'), facts('a.b', '2.0.0-rc.1')])?.version).toBe('1.0.0');
    expect(offeredVersion([facts('a.b', '2.0.0-rc.1'), facts('a.b', '2.0.0-rc.2')])?.version).toBe('2.0.0-rc.2');
  });

  test('with a kernel version, is the highest that runs on it', () => {
    const versions = [facts('a.b', '1.0.0'), facts('a.b', '2.0.0', { kernel: '^1.0.0' })];
    expect(offeredVersion(versions, '0.1.9')?.version).toBe('1.0.0');
    expect(offeredVersion(versions, '1.3.0')?.version).toBe('2.0.0');
    expect(offeredVersion(versions, '3.0.0')).toBeUndefined();
  });
});

describe('search', () => {
  test('judges a plugin by its offered version, and counts downloads of all its versions', () => {
    const versions = [
      facts('a.b', '1.0.0', { capabilities: ['db'], downloads: 5 }),
      facts('a.b', '1.1.0', { capabilities: ['db', 'egress: x.example.com'], yanked: 'leaks', downloads: 2 }),
    ];
    expect(searchCatalog(versions, { capability: 'egress' })).toEqual([]);
    expect(searchCatalog(versions, { capability: 'DB' })).toMatchObject([
      { id: 'a.b', latest: '1.0.0', versions: 2, downloads: 7 },
    ]);
  });
});
