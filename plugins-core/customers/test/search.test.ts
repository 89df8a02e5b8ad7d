// Finding accounts: search across names, numbers, contacts' emails and phones and addresses;
// filters; sorts; cursor pagination that stays stable while accounts are added.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

let bed: Testbed;
let isp: string;
const ids: Record<string, string> = {};
const numbers: Record<string, string> = {};

beforeAll(async () => {
  bed = await createTestbed({ clock: '2026-04-01T09:00:00.000Z' });
  isp = await bed.tenant('isp-search');
  const accounts: [string, Record<string, unknown>][] = [
    [
      'hopper',
      {
        kind: 'residential',
        name: 'Grace Hopper',
        tags: ['vip'],
        contacts: [{ name: 'Grace Hopper', email: 'grace.hopper@navy.example', phone: '+1 (415) 555-0142' }],
        addresses: [
          { kind: 'service', street: '77 Cobol Avenue', city: 'Arlington', postalCode: '22201', country: 'US' },
        ],
      },
    ],
    [
      'lamarr',
      {
        kind: 'residential',
        name: 'Hedy Lamarr',
        contacts: [{ name: 'Hedy Lamarr', email: 'hedy@spread.example', phone: '0049 30 1234567' }],
        addresses: [{ kind: 'service', street: 'Frequenzweg 3', city: 'Wien', postalCode: '1010', country: 'AT' }],
      },
    ],
    [
      'acme',
      {
        kind: 'business',
        name: 'Acme Fiber GmbH',
        number: 'LEGACY-4711',
        tags: ['wholesale'],
        contacts: [{ name: 'Wile Coyote', email: 'noc@acme-fiber.example', phone: '+49 89 99887766' }],
        addresses: [
          { kind: 'billing', street: 'Hauptstraße 12b', city: 'München', postalCode: '80331', country: 'DE' },
        ],
      },
    ],
    ['hopkins', { kind: 'residential', name: 'Grace Hopkins', status: 'lead' }],
  ];
  for (const [key, body] of accounts) {
    const created = await bed.request<Json>(isp, 'POST /accounts', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[key] = created.body.id;
    numbers[key] = created.body.number;
  }
});
afterAll(() => bed?.close());

const find = async (query: string, tenant = isp) => {
  const answer = await bed.request<Json>(tenant, `GET /accounts?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};
const found = async (q: string) =>
  ((await find(`q=${encodeURIComponent(q)}`)).items as Json[]).map((a) =>
    Object.keys(ids).find((k) => ids[k] === a.id),
  );

describe('search', () => {
  test.each([
    ['a name', 'Hopper', ['hopper']],
    ['the start of a name, any case', 'grac', ['hopkins', 'hopper']],
    ['several words, each must match', 'grace hop', ['hopkins', 'hopper']],
    ['a full email', 'grace.hopper@navy.example', ['hopper']],
    ['an email domain', 'acme-fiber', ['acme']],
    ['a phone as written elsewhere', '415-555-0142', ['hopper']],
    ['a phone in international form', '+4989 9988 7766', ['acme']],
    ['the last digits of a phone', '1234567', ['lamarr']],
    ['a street', 'cobol avenue', ['hopper']],
    ['a street with a non-ASCII letter', 'hauptstraße', ['acme']],
    ['a city', 'münchen', ['acme']],
    ['a postal code', '22201', ['hopper']],
    ['a legacy account number', 'LEGACY-4711', ['acme']],
    ['a contact who is not the account', 'coyote', ['acme']],
  ])('finds an account by %s (%s)', async (_what, q, expected) => {
    expect((await found(q)).sort()).toEqual(expected);
  });

  test('finds an account by its generated number, whole or its start', async () => {
    expect(await found(numbers.lamarr as string)).toEqual(['lamarr']);
    expect(await found((numbers.lamarr as string).slice(0, 5))).toEqual(expect.arrayContaining(['lamarr']));
  });

  test('finds by a contact’s new email once it changed, not by the old one', async () => {
    const account = await bed.request<Json>(isp, 'POST /accounts', {
      kind: 'residential',
      name: 'Mover',
      contacts: [{ name: 'Mover', email: 'old-address@example.net' }],
    });
    ids.mover = account.body.id;
    const contact = account.body.contacts[0].id;
    expect(await found('old-address')).toEqual(['mover']);
    await bed.request(isp, `PATCH /accounts/${ids.mover}/contacts/${contact}`, { email: 'fresh@example.net' });
    expect(await found('old-address')).toEqual([]);
    expect(await found('fresh')).toEqual(['mover']);
    await bed.request(isp, `PATCH /accounts/${ids.mover}`, { name: 'Relocated' });
    expect(await found('relocated')).toEqual(['mover']);
  });

  test('a search without letters or digits is refused, naming q', async () => {
    const refused = await bed.request<Json>(isp, 'GET /accounts?q=%2B%2B');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ pointer: '/query/q', detail: 'must hold a letter or a digit' }]);
  });

  test('search combines with filters', async () => {
    const leads = await find('q=grace&status=lead');
    expect(leads.items.map((a: Json) => a.id)).toEqual([ids.hopkins]);
    expect((await find('tag=wholesale')).items.map((a: Json) => a.id)).toEqual([ids.acme]);
    expect((await find('kind=business&q=acme')).items.map((a: Json) => a.id)).toEqual([ids.acme]);
  });

  test('another tenant’s accounts are never found', async () => {
    const other = await bed.tenant('isp-search-other');
    expect((await find('q=grace', other)).items).toEqual([]);
  });
});

describe('pagination', () => {
  test('every page follows the cursor: all accounts once, in order, for each sort', async () => {
    const tenant = await bed.tenant('isp-pages');
    const names = [
      'delta',
      'alpha',
      'echo',
      'charlie',
      'bravo',
      'alpha',
      'foxtrot',
      'golf',
      'hotel',
      'india',
      'juliet',
    ];
    for (const [i, name] of names.entries()) {
      bed.clock.advance(1000);
      const created = await bed.request<Json>(tenant, 'POST /accounts', {
        kind: 'residential',
        name: `${name} ${i % 3}`,
      });
      expect(created.status).toBe(201);
    }
    const all = async (sort: string) => {
      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: Json = await find(`sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`, tenant);
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    for (const [sort, key] of [
      ['name', 'name'],
      ['-name', 'name'],
      ['number', 'number'],
      ['-createdAt', 'createdAt'],
    ] as const) {
      const pages = await all(sort);
      expect(pages).toHaveLength(names.length);
      expect(new Set(pages.map((a) => a.id)).size).toBe(names.length);
      const values = pages.map((a) => a[key] as string);
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(values).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
    }
  });

  test('a page after the cursor is the same when an account that sorts before it is added meanwhile', async () => {
    const tenant = await bed.tenant('isp-stable');
    for (const name of ['b', 'c', 'd', 'e', 'f']) {
      await bed.request(tenant, 'POST /accounts', { kind: 'residential', name });
    }
    const first = await find('limit=2', tenant);
    expect(first.items.map((a: Json) => a.name)).toEqual(['b', 'c']);
    await bed.request(tenant, 'POST /accounts', { kind: 'residential', name: 'a' });
    const second = await find(`limit=2&cursor=${first.nextCursor}`, tenant);
    expect(second.items.map((a: Json) => a.name)).toEqual(['d', 'e']);
  });

  test('a cursor is refused when it was made for another sort, or was not made by the API', async () => {
    const first = await find('limit=1');
    const other = await bed.request<Json>(isp, `GET /accounts?sort=number&cursor=${first.nextCursor}`);
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([
      { pointer: '/query/cursor', detail: 'was made for sort=name, not sort=number' },
    ]);
    const forged = await bed.request<Json>(isp, 'GET /accounts?cursor=not-a-cursor');
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].pointer).toBe('/query/cursor');
    const limit = await bed.request<Json>(isp, 'GET /accounts?limit=1000');
    expect(limit.body.errors).toEqual([{ pointer: '/query/limit', detail: 'must be <= 200' }]);
  });
});
