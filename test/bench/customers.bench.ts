// Customer search at ISP scale: 100,000 accounts of one tenant (each with a primary contact and
// a service address), searched through the dotmac.customers route as a customer-care agent
// would (a surname, a full name, an email, a phone or its last digits, a street, an account
// number, a postal code), against a primary-key lookup of one account through the same kind of
// route, same kernel, same run.
import { randomBytes } from 'node:crypto';
import { type Kernel, pluginDbNames } from '@dotmac/kernel';
import { addressWordsSql, contactWordsSql } from '../../plugins-core/customers/src/server/search.ts';
import { type Baseline, type BenchContext, type BenchResult, defineBench, figure } from './report.ts';

const PLUGIN_ID = 'dotmac.customers';
const ACCOUNTS = 100_000;
/** Requests before measuring, and measured, of each kind (search, lookup), taking turns. */
const WARMUP = 100;
const MEASURED = 1_000;
/** Searches for words that match thousands of accounts (a common surname, a city, a first name, a mail domain). */
const BROAD = ['Smith', 'Springfield', 'Maria', 'gmail'];
const BROAD_ROUNDS = 25;
/** Longest wait for one HTTP answer. */
const REQUEST_TIMEOUT_MS = 10_000;

const FIRST_NAMES = (
  'James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard ' +
  'Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark ' +
  'Margaret Donald Sandra Steven Ashley Paul Kimberly Andrew Emily Joshua Donna Kenneth Michelle Kevin ' +
  'Dorothy Brian Carol George Amanda Timothy Melissa Ronald Deborah Amara Chidi Ngozi Tunde Aisha ' +
  'Wanjiru Kofi Ama Sipho Thandi José María Luis Ana Jürgen Björn Zoë Chloé Søren Ines Mateo Lucía ' +
  'Hiroshi Yuki Wei Mei Arjun Priya Omar Fatima'
).split(' ');
const LAST_NAMES = (
  'Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez ' +
  'Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark ' +
  'Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams ' +
  'Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Okafor Adeyemi Mensah Otieno Kamau ' +
  'Dlamini Nkosi Mwangi Boateng Abubakar Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker ' +
  'Schulz Hoffmann Dubois Moreau Laurent Lefèvre Rossi Russo Ferrari Esposito Bianchi Romano Kowalski ' +
  'Nowak Wiśniewski Novák Horváth Nagy Popescu Ionescu Tanaka Suzuki Sato Wang Li Zhang Chen Liu Kumar ' +
  'Singh Sharma Patel Khan Hassan'
).split(' ');
const STREETS = (
  'Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Sunset River Church Mill Station Harbour ' +
  'Meadow Forest Highland Valley Bridge Market Spring Orchard Willow Chestnut Birch Victoria Kingsway ' +
  'Broad'
).split(' ');
const SUFFIXES = 'Street Avenue Road Lane Drive Way Court Place'.split(' ');
const CITIES = (
  'Springfield,Riverside,Fairview,Franklin,Greenville,Bristol,Clinton,Georgetown,Salem,Madison,' +
  'Arlington,Ashland,Burlington,Manchester,Oxford,Milton,Newport,Dover,Hudson,Kingston,Lakewood,Marion,' +
  'Mount Vernon,Oakland,Winchester,Auburn,Dayton,Lexington,Chester,Jackson,Lincoln,Troy,Union,Warren,' +
  'Westfield,Windsor,Portland,Hamilton,Monroe,Cleveland'
).split(',');
const DOMAINS = 'gmail.com yahoo.com outlook.com icloud.com proton.me gmx.de example.net isp.example'.split(' ');

export default defineBench(async (ctx) => {
  const adminToken = randomBytes(16).toString('hex');
  const kernel = await ctx.bootKernel({ env: { ADMIN_TOKEN: adminToken } });
  await kernel.start();
  if (!kernel.url) throw new Error('the kernel has no HTTP server: it was started without one');
  if (!kernel.plugins.list().some((p) => p.manifest.id === PLUGIN_ID)) {
    throw new Error(`the kernel did not load ${PLUGIN_ID}: build it first (npm run bench builds the plugins)`);
  }
  const [tenant] = await kernel.db.query<{ id: string }>(
    `insert into kernel.tenant (slug, name) values ('bench-customers', 'Bench customers') returning id`,
  );
  if (!tenant) throw new Error('the bench tenant was not created');
  const client = routeClient(kernel.url, adminToken, tenant.id);
  const enabled = await client.call('PUT', `/api/v1/admin/tenants/${tenant.id}/plugins/${PLUGIN_ID}`, {
    enabled: true,
  });
  if (enabled.status !== 200) throw new Error(`enabling ${PLUGIN_ID} answered ${enabled.status}: ${enabled.text}`);

  const seconds = await seed(ctx, kernel, tenant.id);
  const searches = await searchTermsFor(kernel, tenant.id);
  const lookups = await kernel.db.query<{ id: string }>(
    `select id::text from ${schema()}.accounts where tenant_id = $1 order by md5(id::text) limit 200`,
    [tenant.id],
  );
  return measure(
    ctx,
    client,
    searches,
    lookups.map((r) => r.id),
    seconds,
  );
});

const schema = () => `"${pluginDbNames(PLUGIN_ID).schema}"`;

/**
 * 100,000 accounts with their contacts, addresses, first history rows and search tokens,
 * written by the kernel straight into the plugin's schema in a few set-based statements: the
 * same rows and search documents the plugin writes (its own SQL for the search words).
 */
async function seed(ctx: BenchContext, kernel: Kernel, tenantId: string): Promise<number> {
  ctx.progress(`seeding ${ACCOUNTS.toLocaleString('en-US')} accounts`);
  const started = performance.now();
  const s = schema();
  const params = [ACCOUNTS, FIRST_NAMES, LAST_NAMES, STREETS, SUFFIXES, CITIES, DOMAINS];
  // Each account picks every part at random; the seed makes every run seed the same accounts.
  const pick = (array: string) => `($${array}::text[])[1 + floor(random() * array_length($${array}::text[], 1))::int]`;
  await kernel.db.transaction(async (tx) => {
    await tx.query('select setseed(0.42)');
    await tx.query(
      `create temporary table bench_people on commit drop as
       select g, gen_random_uuid() as id, ${pick('2')} as first, ${pick('3')} as last, ${pick('4')} as street,
              ${pick('5')} as suffix, ${pick('6')} as city, ${pick('7')} as domain,
              '+1 ' || (100 + floor(random() * 900)::int) || ' ' || lpad(floor(random() * 10000000)::int::text, 7, '0') as phone,
              (10000 + floor(random() * 90000)::int)::text as postal_code,
              (1 + floor(random() * 2000)::int)::text as house
         from generate_series(1, $1::int) g`,
      params,
    );
    await tx.query(
      `insert into ${s}.accounts (id, tenant_id, customer_id, number, kind, name, status, currency, tags, custom,
                                  search_terms, created_at, updated_at)
       select id, $1, id::text, lpad(g::text, 6, '0'), case when g % 9 = 0 then 'business' else 'residential' end,
              first || ' ' || last, case when g % 40 = 0 then 'suspended' else 'active' end, 'USD',
              case when g % 10 = 0 then array['fiber'] else '{}'::text[] end, '{}'::jsonb,
              ${contactWordsSql("first || ' ' || last", "lower(first || '.' || last || g || '@' || domain)", 'phone')}
                || ' ' || ${addressWordsSql("house || ' ' || street || ' ' || suffix", 'city', 'null', 'postal_code', "'US'")},
              now() - (g || ' minutes')::interval, now()
         from bench_people`,
      [tenantId],
    );
    await tx.query(
      `insert into ${s}.contacts (tenant_id, customer_id, account_id, name, email, phone, is_primary, created_at, updated_at)
       select $1, id::text, id, first || ' ' || last, lower(first || '.' || last || g || '@' || domain), phone, true, now(), now()
         from bench_people`,
      [tenantId],
    );
    await tx.query(
      `insert into ${s}.addresses (tenant_id, customer_id, account_id, kind, street, city, postal_code, country, created_at, updated_at)
       select $1, id::text, id, 'service', house || ' ' || street || ' ' || suffix, city, postal_code, 'US', now(), now()
         from bench_people`,
      [tenantId],
    );
    await tx.query(
      `insert into ${s}.status_history (tenant_id, customer_id, account_id, to_status, reason, changed_at, changed_by)
       select $1, id::text, id, 'active', 'seeded', now(), 'bench' from bench_people`,
      [tenantId],
    );
    await tx.query(
      `insert into ${s}.search_tokens (tenant_id, customer_id, account_id, token)
       select tenant_id, customer_id, id, unnest(tsvector_to_array(search)) from ${s}.accounts where tenant_id = $1`,
      [tenantId],
    );
    await tx.query(`insert into ${s}.account_counter (tenant_id, last) values ($1, $2)`, [tenantId, ACCOUNTS]);
  });
  // As autovacuum would have by then: statistics for the planner, and the visibility map that
  // lets a search read the covering index alone.
  for (const table of ['accounts', 'contacts', 'addresses', 'search_tokens'])
    await kernel.db.query(`vacuum analyze ${s}.${table}`);
  const seconds = (performance.now() - started) / 1000;
  const [tokens] = await kernel.db.query<{ n: number }>(`select count(*)::int as n from ${s}.search_tokens`);
  ctx.progress(`seeded in ${seconds.toFixed(1)} s (${tokens?.n.toLocaleString('en-US')} search tokens)`);
  return seconds;
}

/** A search, the account it was made from, and whether the first page must hold that account. */
interface Search {
  readonly q: string;
  readonly accountId: string;
  readonly specific: boolean;
}

/** Varied searches, as agents type them, each made from one seeded account. */
async function searchTermsFor(kernel: Kernel, tenantId: string): Promise<Search[]> {
  const s = schema();
  const rows = await kernel.db.query<{
    id: string;
    number: string;
    name: string;
    email: string;
    phone: string;
    street: string;
    postal_code: string;
  }>(
    `select a.id::text, a.number, a.name, c.email, c.phone, d.street, d.postal_code
       from ${s}.accounts a join ${s}.contacts c on c.account_id = a.id join ${s}.addresses d on d.account_id = a.id
      where a.tenant_id = $1 order by md5(a.id::text) limit 100`,
    [tenantId],
  );
  const kinds: ((r: (typeof rows)[number]) => string)[] = [
    (r) => r.name.split(' ').at(-1) as string, // a surname
    (r) => r.name, // first name and surname
    (r) => r.email, // a full email
    (r) => r.phone, // a phone as written
    (r) => r.phone.replace(/\D/g, '').slice(-7), // the last digits of a phone
    (r) => r.street, // house number, street and its suffix
    (r) => r.number, // an account number
    (r) => `${r.name.split(' ')[0]} ${r.postal_code}`, // a first name and a postal code
  ];
  // A surname alone matches about a thousand accounts: the account need not be on the first page.
  return rows.map((r, i) => ({
    q: (kinds[i % kinds.length] as (row: typeof r) => string)(r),
    accountId: r.id,
    specific: i % kinds.length !== 0,
  }));
}

async function measure(
  ctx: BenchContext,
  client: ReturnType<typeof routeClient>,
  searches: readonly Search[],
  lookups: readonly string[],
  seedSeconds: number,
): Promise<BenchResult[]> {
  const route = `/api/v1/p/${PLUGIN_ID}`;
  const search = async (i: number, check: boolean) => {
    const term = searches[i % searches.length] as Search;
    const answer = await client.call('GET', `${route}/accounts?q=${encodeURIComponent(term.q)}&limit=50`);
    if (answer.status !== 200) throw new Error(`search "${term.q}" answered ${answer.status}: ${answer.text}`);
    const items = check ? (JSON.parse(answer.text) as { items: { id: string }[] }).items : [];
    if (check && (term.specific ? !items.some((a) => a.id === term.accountId) : items.length === 0)) {
      throw new Error(
        `search "${term.q}" did not find the account it was made from (${term.accountId}): ${answer.text.slice(0, 3000)}`,
      );
    }
    return answer.ms;
  };
  const lookup = async (i: number) => {
    const answer = await client.call('GET', `${route}/accounts/${lookups[i % lookups.length]}`);
    if (answer.status !== 200) throw new Error(`lookup answered ${answer.status}: ${answer.text}`);
    return answer.ms;
  };

  ctx.progress(`warm-up: ${WARMUP} searches and ${WARMUP} lookups`);
  for (let i = 0; i < WARMUP; i++) {
    await search(i, true);
    await lookup(i);
  }
  ctx.progress(`${MEASURED} searches and ${MEASURED} lookups, taking turns`);
  const searchMs: number[] = [];
  const lookupMs: number[] = [];
  for (let i = 0; i < MEASURED; i++) {
    if (i % 2 === 0) {
      searchMs.push(await search(i, false));
      lookupMs.push(await lookup(i));
    } else {
      lookupMs.push(await lookup(i));
      searchMs.push(await search(i, false));
    }
  }
  // Words that match thousands of accounts, which the page must then be sorted from.
  const broadMs: number[] = [];
  for (let i = 0; i < 4 * BROAD_ROUNDS; i++) {
    const q = BROAD[i % BROAD.length] as string;
    const answer = await client.call('GET', `${route}/accounts?q=${q}&limit=50`);
    if (answer.status !== 200) throw new Error(`search "${q}" answered ${answer.status}: ${answer.text}`);
    broadMs.push(answer.ms);
  }
  ctx.progress(
    `search median ${median(searchMs).toFixed(1)} ms, p99 ${quantile(searchMs, 0.99).toFixed(1)} ms; ` +
      `lookup median ${median(lookupMs).toFixed(1)} ms, p99 ${quantile(lookupMs, 0.99).toFixed(1)} ms; ` +
      `broad searches (${BROAD.join(', ')}) median ${median(broadMs).toFixed(1)} ms, p99 ${quantile(broadMs, 0.99).toFixed(1)} ms`,
  );
  const sameRun = 'GET /accounts/{id} (primary-key lookup of one account), same kernel, same run';
  const medianBase: Baseline = { name: `median of ${sameRun}`, value: median(lookupMs) };
  const p99Base: Baseline = { name: `p99 of ${sameRun}`, value: quantile(lookupMs, 0.99) };
  return [
    figure('search_ms_median_100k', median(searchMs), 'ms', medianBase),
    figure('search_ms_p99_100k', quantile(searchMs, 0.99), 'ms', p99Base),
    figure('lookup_ms_median_100k', median(lookupMs), 'ms'),
    figure('lookup_ms_p99_100k', quantile(lookupMs, 0.99), 'ms'),
    figure('search_broad_ms_median_100k', median(broadMs), 'ms', medianBase),
    figure('seed_100k_s', seedSeconds, 's'),
  ];
}

/** Calls the kernel as its operator, for the bench tenant, over one keep-alive connection pool. */
function routeClient(url: string, adminToken: string, tenantId: string) {
  return {
    async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
      const started = performance.now();
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          'x-dotmac-tenant': tenantId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      return { status: response.status, text, ms: performance.now() - started };
    },
  };
}

/** Nearest-rank quantile (0 < q <= 1). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
