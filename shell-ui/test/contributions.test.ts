// Where contributions go: route matching, the page for a path, nav and slot order.
import type { UiContribution, UiManifest } from '@dotmac/ui';
import { describe, expect, it } from 'vitest';
import { activeNavPath, inOrder, navEntries, routeFor, slotItems } from '../src/manifest/contributions.ts';
import { matchPath } from '../src/manifest/route-match.ts';
import { portalOfPath } from '../src/portal.ts';

const c = (over: Partial<UiContribution> & Pick<UiContribution, 'slot' | 'path'>): UiContribution => ({
  pluginId: 'dotmac.x',
  remote: 'dotmac__x',
  ...over,
});

describe('matchPath', () => {
  it('matches parameters, decoded, and refuses other paths', () => {
    expect(matchPath('/customers/:id', '/customers/a%20b')).toEqual({ id: 'a b' });
    expect(matchPath('/customers/:id', '/customers')).toBeNull();
    expect(matchPath('/customers/:id', '/customers/1/notes')).toBeNull();
    expect(matchPath('/customers', '/customers/')).toEqual({});
    expect(matchPath('/', '/')).toEqual({});
  });

  it('knows optional parameters and wildcards', () => {
    expect(matchPath('/invoices/:id?', '/invoices')).toEqual({});
    expect(matchPath('/invoices/:id?', '/invoices/9')).toEqual({ id: '9' });
    expect(matchPath('/files/*', '/files/a/b.pdf')).toEqual({ '*': 'a/b.pdf' });
  });
});

describe('routeFor', () => {
  const manifest: UiManifest = {
    portal: 'admin',
    remotes: [],
    contributions: [
      c({ slot: 'route', path: '/customers/:id', module: './Detail' }),
      c({ slot: 'route', path: '/customers/new', module: './New', pluginId: 'dotmac.y' }),
      c({ slot: 'route', path: '/customers', module: './List' }),
      c({ slot: 'nav', path: '/customers', title: 'Customers' }),
    ],
  };

  it('picks the most specific route: /customers/new over /customers/:id', () => {
    expect(routeFor(manifest, '/customers/new')?.contribution.module).toBe('./New');
    expect(routeFor(manifest, '/customers/42')).toMatchObject({
      contribution: { module: './Detail' },
      params: { id: '42' },
    });
    expect(routeFor(manifest, '/customers')?.contribution.module).toBe('./List');
  });

  it('answers nothing for a path no route matches (a nav entry is not a page)', () => {
    expect(routeFor(manifest, '/plans')).toBeUndefined();
  });

  it('among equally specific routes takes the lower order', () => {
    const two: UiManifest = {
      ...manifest,
      contributions: [
        c({ slot: 'route', path: '/x', module: './Late', order: 200 }),
        c({ slot: 'route', path: '/x', module: './Early', order: 5 }),
      ],
    };
    expect(routeFor(two, '/x')?.contribution.module).toBe('./Early');
  });
});

describe('order of nav entries and slot items', () => {
  const manifest: UiManifest = {
    portal: 'admin',
    remotes: [],
    contributions: [
      c({ slot: 'nav', path: '/b', title: 'B' }),
      c({ slot: 'nav', path: '/a', title: 'A', order: 10 }),
      c({ slot: 'nav', path: '/c', title: 'C' }),
      c({ slot: 'nav', path: '/untitled' }),
      c({ slot: 'detail-tab', path: '/customers/:id', module: './Billing', order: 20 }),
      c({ slot: 'detail-tab', path: '/customers/:id', module: './Notes' }),
      c({ slot: 'detail-tab', path: '/customers/:id', module: './Overview', order: 1 }),
      c({ slot: 'detail-tab', path: '/subscriptions/:id', module: './Other' }),
    ],
  };

  it('orders by `order` (100 by default), then as the manifest lists them', () => {
    expect(navEntries(manifest).map((e) => e.title)).toEqual(['A', 'B', 'C']);
    expect(
      inOrder([c({ slot: 'nav', path: '/1' }), c({ slot: 'nav', path: '/2', order: 100 })]).map((e) => e.path),
    ).toEqual(['/1', '/2']);
  });

  it('gives a slot the items of its path only, in order', () => {
    expect(slotItems(manifest, 'detail-tab', '/customers/:id').map((e) => e.module)).toEqual([
      './Overview',
      './Billing',
      './Notes',
    ]);
  });

  it('marks the nav entry whose path is the longest prefix of the current path', () => {
    const entries = [{ path: '/' }, { path: '/customers' }, { path: '/customers/new' }];
    expect(activeNavPath(entries, '/customers/42')).toBe('/customers');
    expect(activeNavPath(entries, '/customers/new')).toBe('/customers/new');
    expect(activeNavPath(entries, '/')).toBe('/');
    expect(activeNavPath(entries, '/customersx')).toBeUndefined();
  });
});

describe('portalOfPath', () => {
  it('reads the portal from the first segment', () => {
    expect(portalOfPath('/admin/customers/42')).toBe('admin');
    expect(portalOfPath('/customer')).toBe('customer');
    expect(portalOfPath('/')).toBeUndefined();
    expect(portalOfPath('/shell/index.html')).toBeUndefined();
  });
});
