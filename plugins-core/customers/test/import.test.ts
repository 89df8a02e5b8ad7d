// CSV import, as an ISP migrating from another system exports its customers: the file sent in
// parts, a dry run that lists every bad row by line, column and reason and writes nothing, and
// a commit that creates every account or none.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { csvField } from '../src/server/csv.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions
type Json = any;

const HEADER = [
  'account_number',
  'name',
  'kind',
  'email',
  'phone',
  'street',
  'city',
  'postal_code',
  'country',
  'lat',
  'lon',
  'status',
  'tags',
  'plan',
];
const CITIES = ['Springfield', 'Shelbyville', 'Ogdenville', 'North Haverbrook', 'Capital City'];
const WAIT = { timeoutMs: 180_000 };

let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed({ clock: '2026-05-04T10:00:00.000Z' });
});
afterAll(() => bed?.close());

/** Row `i` of a migration export: every other row keeps its old account number, row 3 has a two-line street. */
function customerRow(i: number): Record<string, string> {
  return {
    account_number: i % 2 === 0 ? `OLD-${100_000 + i}` : '',
    name: `Customer ${i} ${i % 7 === 0 ? 'Ltd' : 'Smith'}`,
    kind: i % 7 === 0 ? 'business' : 'residential',
    email: `customer${i}@example.net`,
    phone: `+1 555 ${String(1_000_000 + i).slice(1)}`,
    street: i === 3 ? 'Flat 2\nRose Court, 9 High St' : `${i} Main Street`,
    city: CITIES[i % CITIES.length] as string,
    postal_code: String(10_000 + (i % 90_000)),
    country: 'us',
    lat: (37 + (i % 1000) / 1000).toFixed(4),
    lon: (-122 - (i % 1000) / 1000).toFixed(4),
    status: i % 50 === 0 ? 'suspended' : 'active',
    tags: i % 10 === 0 ? 'fiber; promo-2025' : 'fiber',
    plan: `Fiber ${[50, 100, 500][i % 3]}`,
  };
}

/** A CSV file of `rows` and the line each row starts on. */
function csvOf(rows: readonly Record<string, string>[], header = HEADER): { text: string; lines: number[] } {
  const out = [header.join(',')];
  const lines: number[] = [];
  let line = 2;
  for (const row of rows) {
    lines.push(line);
    const text = header.map((column) => csvField(row[column] ?? '')).join(',');
    out.push(text);
    line += 1 + (text.match(/\n/g)?.length ?? 0);
  }
  return { text: `${out.join('\r\n')}\r\n`, lines };
}

/** Cuts `text` into parts of `size` characters: wherever that falls, inside rows and quoted fields too. */
function partsOf(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

async function upload(tenant: string, importId: string, parts: readonly string[]) {
  for (const [i, text] of parts.entries()) {
    const sent = await bed.request<Json>(tenant, `PUT /imports/${importId}/parts/${i + 1}`, { text });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  }
}

async function dryRun(tenant: string, importId: string) {
  const started = await bed.request<Json>(tenant, `POST /imports/${importId}/validate`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body.status).toBe('validating');
  await bed.settle(WAIT);
  return (await bed.request<Json>(tenant, `GET /imports/${importId}`)).body;
}

async function commit(tenant: string, importId: string) {
  const started = await bed.request<Json>(tenant, `POST /imports/${importId}/commit`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await bed.settle(WAIT);
  return (await bed.request<Json>(tenant, `GET /imports/${importId}`)).body;
}

async function newImport(tenant: string, fileName: string) {
  const created = await bed.request<Json>(tenant, 'POST /imports', { fileName });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'receiving', fileName, parts: 0, rows: 0, problemCount: 0 });
  return created.body.id as string;
}

const countOf = async (table: string, tenant: string) =>
  (await bed.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenant]))[0]?.n;

describe('a 10,000-row migration file', () => {
  const ROWS = 10_000;
  const rows = Array.from({ length: ROWS }, (_, i) => customerRow(i));
  const bad = new Map<number, [string, string, string]>([
    [1000, ['email', 'not-an-email', '"not-an-email" is not an email address']],
    [5000, ['lat', '123.4', '"123.4" is not a latitude (a number from -90 to 90)']],
    [8999, ['name', '', 'is empty; every account needs a name']],
  ]);
  let tenant: string;
  let importId: string;

  beforeAll(async () => {
    tenant = await bed.tenant('isp-migration');
  });

  test('the dry run lists exactly the 3 bad rows, by line, column and reason, and writes nothing', async () => {
    const broken = rows.map((row, i) => {
      const fault = bad.get(i);
      return fault ? { ...row, [fault[0]]: fault[1] } : row;
    });
    const { text, lines } = csvOf(broken);
    const parts = partsOf(text, 400_000);
    expect(parts.length).toBeGreaterThan(2);
    importId = await newImport(tenant, 'export.csv');
    await upload(tenant, importId, parts);

    const report = await dryRun(tenant, importId);
    expect(report).toMatchObject({
      status: 'invalid',
      parts: parts.length,
      rows: ROWS,
      problemCount: 3,
      progress: { phase: 'done', partsDone: parts.length, partsTotal: parts.length, percent: 100 },
    });
    expect(report.problems).toEqual(
      [...bad.entries()].map(([i, [column, , reason]]) => ({ line: lines[i], column, reason })),
    );
    expect(lines[5000]).toBe(5002 + 1); // row 3's street takes two lines
    expect(await countOf('accounts', tenant)).toBe(0);
    expect(await countOf('contacts', tenant)).toBe(0);

    const refused = await bed.request<Json>(tenant, `POST /imports/${importId}/commit`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('found problems');
  });

  test('the corrected file imports all 10,000 rows: accounts, contacts, addresses, history, numbers', async () => {
    const { text } = csvOf(rows);
    await upload(tenant, importId, partsOf(text, 400_000));
    const report = await dryRun(tenant, importId);
    expect(report).toMatchObject({ status: 'validated', rows: ROWS, problemCount: 0, problems: [] });

    const committed = await commit(tenant, importId);
    expect(committed).toMatchObject({ status: 'committed', accountsCreated: ROWS, error: null });
    expect(await countOf('accounts', tenant)).toBe(ROWS);
    expect(await countOf('contacts', tenant)).toBe(ROWS);
    expect(await countOf('addresses', tenant)).toBe(ROWS);
    expect(await countOf('status_history', tenant)).toBe(ROWS);

    const [kept] = (await bed.request<Json>(tenant, 'GET /accounts?q=OLD-100044')).body.items;
    expect(kept).toMatchObject({ number: 'OLD-100044', name: 'Customer 44 Smith', status: 'active', tags: ['fiber'] });
    const suspended = await bed.request<Json>(tenant, 'GET /accounts?status=suspended&limit=200');
    expect(suspended.body.items).toHaveLength(ROWS / 50);
    const generated = await bed.query<{ number: string }>(
      `select number from accounts where tenant_id = $1 and number not like 'OLD-%' order by number`,
      [tenant],
    );
    expect(generated).toHaveLength(ROWS / 2);
    expect(generated[0]?.number).toBe('000001');
    expect(generated.at(-1)?.number).toBe(String(ROWS / 2).padStart(6, '0'));

    const three = (await bed.request<Json>(tenant, 'GET /accounts?q=rose%20court')).body.items;
    expect(three).toHaveLength(1);
    const detail = (await bed.request<Json>(tenant, `GET /accounts/${three[0].id}`)).body;
    expect(detail.addresses[0]).toMatchObject({
      street: 'Flat 2\nRose Court, 9 High St',
      country: 'US',
      kind: 'service',
    });
    expect(detail.contacts[0]).toMatchObject({ email: 'customer3@example.net', isPrimary: true });
    expect((await bed.request<Json>(tenant, 'GET /accounts?q=customer9999@example.net')).body.items).toHaveLength(1);

    const [event] = await bed.events({ tenant, name: 'customer.import-committed' });
    expect(event?.payload).toEqual({ importId, accounts: ROWS });
    expect(await bed.events({ tenant, name: 'customer.created' })).toEqual([]);

    // The next account made by hand continues the sequence after the imported ones.
    const next = await bed.request<Json>(tenant, 'POST /accounts', { kind: 'residential', name: 'After the import' });
    expect(next.body.number).toBe(String(ROWS / 2 + 1).padStart(6, '0'));

    // Each row's plan, for the subscriptions plugin to create the services.
    const plugin = bed.kernel.plugins.list().find((p) => p.manifest.id === 'dotmac.customers');
    const plans = (await plugin?.sandbox.invoke(tenant, 'service:listImportedAccounts', {
      importId,
      limit: 3,
    })) as Json;
    expect(plans.items.map((p: Json) => [p.line, p.number, p.plan])).toEqual([
      [2, 'OLD-100000', 'Fiber 50'],
      [3, '000001', 'Fiber 100'],
      [4, 'OLD-100002', 'Fiber 500'],
    ]);
    expect(plans.nextAfterLine).toBe(4);
  });

  test('a committed import cannot be committed, changed or discarded again', async () => {
    expect((await bed.request<Json>(tenant, `POST /imports/${importId}/commit`)).status).toBe(409);
    expect((await bed.request<Json>(tenant, `PUT /imports/${importId}/parts/1`, { text: 'name\nX\n' })).status).toBe(
      409,
    );
    expect((await bed.request<Json>(tenant, `DELETE /imports/${importId}`)).status).toBe(409);
  });

  test('the nightly purge drops the raw file of a committed import, and keeps its rows (their plans)', async () => {
    await bed.runCron('purge-imports');
    expect(await countOf('import_parts', tenant)).toBe(0);
    expect(await countOf('import_rows', tenant)).toBe(ROWS);
    expect((await bed.request<Json>(tenant, `GET /imports/${importId}`)).body).toMatchObject({
      status: 'committed',
      parts: 0,
    });
  });
});

describe('an import whose commit fails midway', () => {
  test('leaves no imported account when the database refuses one row: its number was taken after the dry run', async () => {
    const tenant = await bed.tenant('isp-interrupted');
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ ...customerRow(i), account_number: `M-${i}` }));
    const { text, lines } = csvOf(rows);
    const importId = await newImport(tenant, 'interrupted.csv');
    await upload(tenant, importId, partsOf(text, 100_000));
    expect((await dryRun(tenant, importId)).status).toBe('validated');

    // Meanwhile, someone gives row 1,500's number to an account made by hand.
    const sneaky = await bed.request<Json>(tenant, 'POST /accounts', {
      kind: 'residential',
      name: 'Sneaky',
      number: 'M-1500',
    });
    expect(sneaky.status).toBe(201);

    const report = await commit(tenant, importId);
    expect(report.status).toBe('invalid');
    expect(report.error).toContain('nothing was imported');
    expect(report.problems).toEqual([
      {
        line: lines[1500],
        column: 'account_number',
        reason: 'account number M-1500 was given to another account (Sneaky) after the dry run',
      },
    ]);
    expect(await countOf('accounts', tenant)).toBe(1);
    expect(await countOf('contacts', tenant)).toBe(0);
    expect(await countOf('search_tokens', tenant)).toBeGreaterThan(0);
    const imported = await bed.query<{ n: number }>('select count(*)::int as n from accounts where import_id = $1', [
      importId,
    ]);
    expect(imported).toEqual([{ n: 0 }]);
    expect(await bed.events({ tenant, name: 'customer.import-committed' })).toEqual([]);
  });
});

describe('the dry run reads files as other systems write them', () => {
  let tenant: string;
  beforeAll(async () => {
    tenant = await bed.tenant('isp-formats');
    await bed.setConfig(tenant, { defaultCountry: 'DE' });
    await bed.request(tenant, 'PUT /custom-fields', {
      fields: [
        { key: 'contract_id', label: 'Contract', type: 'text', required: true },
        { key: 'router', label: 'Router', type: 'select', options: ['mikrotik', 'ubiquiti'] },
      ],
    });
  });

  test('semicolons, a byte order mark, quoted fields, custom fields, a default country, parts cut anywhere', async () => {
    const text =
      '\uFEFFCustomer Name;E-Mail;Street;Town;Custom.Contract_ID;custom.router;Tags;Customer Status\n' +
      '"Müller; Anna";anna@example.de;"Hauptstr. 1";Berlin;K-1;mikrotik;"vip;fiber";Active\n' +
      '"Schmidt ""Bob""";bob@example.de;"Ring 2\nHinterhaus";Köln;K-2;;;blocked\n' +
      'Lee;lee@example.de;;;K-3;ubiquiti;;new\n';
    const importId = await newImport(tenant, 'semicolons.csv');
    await upload(tenant, importId, partsOf(text, 7));
    const report = await dryRun(tenant, importId);
    expect(report).toMatchObject({ status: 'validated', rows: 3, problems: [] });
    expect((await commit(tenant, importId)).status).toBe('committed');
    const accounts = (await bed.request<Json>(tenant, 'GET /accounts')).body.items;
    expect(accounts.map((a: Json) => [a.name, a.status, a.custom, a.tags])).toEqual([
      ['Lee', 'lead', { contract_id: 'K-3', router: 'ubiquiti' }, []],
      ['Müller; Anna', 'active', { contract_id: 'K-1', router: 'mikrotik' }, ['vip', 'fiber']],
      ['Schmidt "Bob"', 'suspended', { contract_id: 'K-2' }, []],
    ]);
    const schmidt = (await bed.request<Json>(tenant, `GET /accounts/${accounts[2].id}`)).body;
    expect(schmidt.addresses[0]).toMatchObject({ street: 'Ring 2\nHinterhaus', city: 'Köln', country: 'DE' });
  });

  test('a bad header, short rows, an unclosed quote and bad values are each reported where they are', async () => {
    const text =
      'name,email,colour,custom.router,custom.missing\n' +
      'Ann,ann@example.com,red,mikrotik,x\n' +
      'Bob,bob@example\n' +
      'Cid,cid@example.com,blue,cisco,y\n' +
      '"Dee,dee@example.com,green,ubiquiti,z\n';
    const importId = await newImport(tenant, 'broken.csv');
    await upload(tenant, importId, [text]);
    const report = await dryRun(tenant, importId);
    expect(report.status).toBe('invalid');
    expect(report.problems).toEqual([
      {
        line: 1,
        column: 'colour',
        reason:
          'unknown column; the columns are account_number, name, kind, email, phone, street, city, postal_code, country, lat, lon, status, tags, plan and custom.<key>',
      },
      {
        line: 1,
        column: 'custom.contract_id',
        reason: 'the header has no column for the required custom field contract_id',
      },
      { line: 1, column: 'custom.missing', reason: 'there is no custom field missing (see GET /custom-fields)' },
      { line: 3, column: 'colour', reason: 'the row has 2 field(s) where the header has 5 column(s)' },
      { line: 4, column: 'custom.router', reason: 'must be one of "mikrotik", "ubiquiti"' },
      { line: 5, column: '(row)', reason: 'a quoted field is never closed' },
    ]);
    const page = await bed.request<Json>(tenant, `GET /imports/${importId}/problems?limit=4`);
    expect(page.body.items).toHaveLength(4);
    const rest = await bed.request<Json>(
      tenant,
      `GET /imports/${importId}/problems?limit=4&cursor=${page.body.nextCursor}`,
    );
    expect(rest.body.items.map((p: Json) => p.line)).toEqual([4, 5]);
    expect(rest.body.nextCursor).toBeNull();
  });

  test('a part sent after the dry run voids it; a part too large or missing is refused', async () => {
    const importId = await newImport(tenant, 'again.csv');
    await upload(tenant, importId, ['name,custom.contract_id\nZed,K-9\n']);
    expect((await dryRun(tenant, importId)).status).toBe('validated');
    await upload(tenant, importId, ['name,custom.contract_id\nZed,K-9\n']);
    expect((await bed.request<Json>(tenant, `GET /imports/${importId}`)).body).toMatchObject({
      status: 'receiving',
      rows: 0,
    });
    expect((await bed.request<Json>(tenant, `POST /imports/${importId}/commit`)).status).toBe(409);

    const big = await bed.request<Json>(tenant, `PUT /imports/${importId}/parts/2`, { text: 'é'.repeat(300_000) });
    expect(big.status).toBe(413);
    expect(big.body.errors[0].pointer).toBe('/body/text');
    await bed.request(tenant, `PUT /imports/${importId}/parts/3`, { text: 'Amy,K-10\n' });
    const gap = await bed.request<Json>(tenant, `POST /imports/${importId}/validate`);
    expect(gap.status).toBe(409);
    expect(gap.body.detail).toContain('part 2 is missing');
    expect((await bed.request<Json>(tenant, `DELETE /imports/${importId}`)).body).toEqual({
      id: importId,
      deleted: true,
    });
    expect((await bed.request<Json>(tenant, `GET /imports/${importId}`)).status).toBe(404);
  });
});
