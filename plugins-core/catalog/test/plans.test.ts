// Plans in the real kernel and sandbox: each kind with its defaults, validation naming the
// fields at fault, hiding from sale, the list's filters, sorts and cursor, tenants kept apart,
// the permissions the routes need and the OpenAPI document.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createPlan,
  freshCode,
  internetPlan,
  type Plan,
  type PlanPage,
  type Problem,
  refusedFields,
  START,
} from './support.ts';

let bed: Testbed;
beforeAll(async () => {
  bed = await createTestbed({ clock: START });
});
afterAll(() => bed?.close());

describe('creating plans', () => {
  test('a plan of each kind is created with version 1 in force and the defaults a product manager expects', async () => {
    const isp = await bed.tenant('kinds');
    const bodies = {
      internet: internetPlan({
        name: 'Fibre 500',
        prices: { USD: '49.99', EUR: '45.00' },
        billingCycle: 'quarterly',
        payment: 'prepaid',
        contractMonths: 12,
        earlyTerminationFee: { USD: '120.00', EUR: '110.00' },
        internet: {
          downloadKbps: 500_000,
          uploadKbps: 100_000,
          burstKbps: 600_000,
          burstThresholdKbps: 400_000,
          burstTimeSeconds: 16,
          priority: 4,
          dataCapGb: 1000,
          fairUse: { policy: 'throttle', throttleKbps: 10_000 },
        },
      }),
      voice: { code: freshCode('VOICE'), name: 'Home phone', kind: 'voice', prices: { USD: '9.99' } },
      tv: { code: freshCode('TV'), name: 'TV basic', kind: 'tv', prices: { USD: '19.00' }, taxClass: 'media' },
      other: {
        code: freshCode('HOST'),
        name: 'Web hosting',
        kind: 'other',
        prices: { USD: '5' },
        billingCycle: 'yearly',
      },
      addon: {
        code: freshCode('IP'),
        name: 'Static IP',
        kind: 'addon',
        prices: { USD: '5.00' },
        addonFor: ['internet'],
      },
      'one-off': {
        code: freshCode('INSTALL'),
        name: 'Installation',
        kind: 'one-off',
        prices: { USD: '99.00' },
        taxClass: 'services',
      },
    };
    const made: Record<string, Plan> = {};
    for (const [kind, body] of Object.entries(bodies)) made[kind] = await createPlan(bed, isp, body);

    expect(made.internet).toMatchObject({
      kind: 'internet',
      visible: true,
      forSale: true,
      addonFor: [],
      next: null,
      createdAt: START,
      current: {
        version: 1,
        status: 'current',
        effectiveFrom: START,
        prices: { EUR: '45.00', USD: '49.99' },
        billingCycle: 'quarterly',
        payment: 'prepaid',
        taxClass: 'standard',
        contractMonths: 12,
        earlyTerminationFee: { EUR: '110.00', USD: '120.00' },
        internet: {
          downloadKbps: 500_000,
          uploadKbps: 100_000,
          burstKbps: 600_000,
          burstThresholdKbps: 400_000,
          burstTimeSeconds: 16,
          priority: 4,
          dataCapGb: 1000,
          fairUse: { policy: 'throttle', throttleKbps: 10_000 },
        },
        createdBy: 'operator',
      },
    });
    expect(made.voice?.current).toMatchObject({
      billingCycle: 'monthly',
      payment: 'postpaid',
      taxClass: 'standard',
      contractMonths: 0,
      earlyTerminationFee: {},
    });
    expect(made.voice?.current).not.toHaveProperty('internet');
    expect(made.tv?.current).toMatchObject({ taxClass: 'media' });
    expect(made.other?.current).toMatchObject({ billingCycle: 'yearly', prices: { USD: '5.00' } });
    expect(made.addon).toMatchObject({ kind: 'addon', addonFor: ['internet'] });
    expect(made['one-off']?.current).toMatchObject({
      billingCycle: 'one-off',
      contractMonths: 0,
      taxClass: 'services',
    });

    const created = await bed.events({ tenant: isp, name: 'catalog.plan-created' });
    expect(created.map((e) => e.payload)).toEqual(
      Object.values(made).map((plan) => ({ planId: plan.id, code: plan.code, kind: plan.kind })),
    );
  });

  test('an internet plan priced with overage after its cap keeps the overage price per currency', async () => {
    const isp = await bed.tenant('overage');
    const plan = await createPlan(
      bed,
      isp,
      internetPlan({
        prices: { USD: '19.99', JPY: '2000' },
        internet: {
          downloadKbps: 50_000,
          uploadKbps: 10_000,
          dataCapGb: 200,
          fairUse: { policy: 'overage', overagePricePerGb: { USD: '0.5', JPY: '50' } },
        },
      }),
    );
    expect(plan.current?.internet).toEqual({
      downloadKbps: 50_000,
      uploadKbps: 10_000,
      burstKbps: null,
      burstThresholdKbps: null,
      burstTimeSeconds: null,
      priority: 8,
      dataCapGb: 200,
      fairUse: { policy: 'overage', overagePricePerGb: { JPY: '50', USD: '0.50' } },
    });
  });

  test('a plan the schema refuses is answered 400 naming each field, and nothing is stored', async () => {
    const isp = await bed.tenant('schema-refusals');
    expect(refusedFields(await bed.request(isp, 'POST /plans', {}))).toEqual(
      expect.arrayContaining(['/body/code', '/body/name', '/body/kind', '/body/prices']),
    );
    // Money is never a JSON number.
    expect(refusedFields(await bed.request(isp, 'POST /plans', internetPlan({ prices: { USD: 29.99 } })))).toContain(
      '/body/prices/USD',
    );
    expect(refusedFields(await bed.request(isp, 'POST /plans', internetPlan({ kind: 'broadband' })))).toEqual([
      '/body/kind',
    ]);
    expect(refusedFields(await bed.request(isp, 'POST /plans', internetPlan({ code: 'has space' })))).toEqual([
      '/body/code',
    ]);
    expect(
      refusedFields(
        await bed.request(isp, 'POST /plans', internetPlan({ internet: { downloadKbps: 0, uploadKbps: 1000 } })),
      ),
    ).toEqual(['/body/internet/downloadKbps']);
    expect(await bed.query('select count(*)::int as n from plans where tenant_id = $1', [isp])).toEqual([{ n: 0 }]);
  });

  test('a plan breaking the catalog rules is answered 400 naming every field at fault', async () => {
    const isp = await bed.tenant('rule-refusals');
    const refusals: [Record<string, unknown>, string[]][] = [
      [{ ...internetPlan(), internet: undefined }, ['/body/internet']],
      [
        {
          code: freshCode(),
          name: 'Phone',
          kind: 'voice',
          prices: { USD: '5' },
          internet: { downloadKbps: 1, uploadKbps: 1 },
        },
        ['/body/internet'],
      ],
      [
        {
          code: freshCode(),
          name: 'Router',
          kind: 'one-off',
          prices: { USD: '80' },
          billingCycle: 'monthly',
          contractMonths: 12,
        },
        ['/body/billingCycle', '/body/contractMonths'],
      ],
      [internetPlan({ billingCycle: 'one-off' }), ['/body/billingCycle']],
      [internetPlan({ earlyTerminationFee: { USD: '50' } }), ['/body/earlyTerminationFee']],
      [
        internetPlan({ prices: { USD: '30', EUR: '28' }, contractMonths: 12, earlyTerminationFee: { USD: '50' } }),
        ['/body/earlyTerminationFee'],
      ],
      [
        internetPlan({ internet: { downloadKbps: 100_000, uploadKbps: 20_000, burstKbps: 90_000 } }),
        ['/body/internet/burstKbps'],
      ],
      [
        internetPlan({ internet: { downloadKbps: 100_000, uploadKbps: 20_000, burstTimeSeconds: 8 } }),
        ['/body/internet/burstTimeSeconds'],
      ],
      [
        internetPlan({ internet: { downloadKbps: 100_000, uploadKbps: 20_000, dataCapGb: 100 } }),
        ['/body/internet/fairUse'],
      ],
      [
        internetPlan({
          internet: { downloadKbps: 100_000, uploadKbps: 20_000, fairUse: { policy: 'throttle', throttleKbps: 1000 } },
        }),
        ['/body/internet/fairUse'],
      ],
      [
        internetPlan({
          internet: { downloadKbps: 100_000, uploadKbps: 20_000, dataCapGb: 100, fairUse: { policy: 'throttle' } },
        }),
        ['/body/internet/fairUse/throttleKbps'],
      ],
      [
        internetPlan({
          internet: {
            downloadKbps: 100_000,
            uploadKbps: 20_000,
            dataCapGb: 100,
            fairUse: { policy: 'throttle', throttleKbps: 200_000 },
          },
        }),
        ['/body/internet/fairUse/throttleKbps'],
      ],
      [
        internetPlan({
          prices: { USD: '30', EUR: '28' },
          internet: {
            downloadKbps: 100_000,
            uploadKbps: 20_000,
            dataCapGb: 100,
            fairUse: { policy: 'overage', overagePricePerGb: { USD: '1' } },
          },
        }),
        ['/body/internet/fairUse/overagePricePerGb'],
      ],
      [
        internetPlan({
          internet: {
            downloadKbps: 100_000,
            uploadKbps: 20_000,
            dataCapGb: 100,
            fairUse: { policy: 'overage', throttleKbps: 10, overagePricePerGb: { USD: '1' } },
          },
        }),
        ['/body/internet/fairUse/throttleKbps'],
      ],
      [internetPlan({ addonFor: ['tv'] }), ['/body/addonFor']],
      [internetPlan({ effectiveFrom: '2026-03-01T00:00:00Z' }), ['/body/effectiveFrom']],
      [internetPlan({ prices: { USX: '1.00' } }), ['/body/prices/USX']],
    ];
    for (const [body, fields] of refusals) {
      const answer = await bed.request<Problem>(isp, 'POST /plans', body);
      expect(refusedFields(answer), JSON.stringify(body)).toEqual(fields);
    }
    expect(await bed.query('select count(*)::int as n from plans where tenant_id = $1', [isp])).toEqual([{ n: 0 }]);
  });

  test('a code names one plan per tenant, whatever its case; another tenant may use it too', async () => {
    const isp = await bed.tenant('codes');
    const other = await bed.tenant('codes-other');
    await createPlan(bed, isp, internetPlan({ code: 'FIBRE-1G' }));
    const again = await bed.request<Problem>(isp, 'POST /plans', internetPlan({ code: 'fibre-1g' }));
    expect(again.status).toBe(409);
    expect(again.body.errors).toEqual([expect.objectContaining({ pointer: '/body/code' })]);
    await createPlan(bed, other, internetPlan({ code: 'FIBRE-1G' }));
  });

  test('a plan that starts selling later has no version in force until then', async () => {
    const isp = await bed.tenant('launch');
    bed.clock.set(START);
    const plan = await createPlan(bed, isp, internetPlan({ effectiveFrom: '2026-04-01T00:00:00.000Z' }));
    expect(plan).toMatchObject({ forSale: false, current: null, next: { version: 1, status: 'scheduled' } });
    bed.clock.set('2026-04-01T00:00:00.000Z');
    const launched = await bed.request<Plan>(isp, `GET /plans/${plan.id}`);
    expect(launched.body).toMatchObject({ forSale: true, current: { version: 1, status: 'current' }, next: null });
    bed.clock.set(START);
  });
});

describe('reading and changing plans', () => {
  test('an unknown plan is 404, and an id that is no uuid is 400 naming it', async () => {
    const isp = await bed.tenant('unknown');
    const missing = await bed.request<Problem>(isp, 'GET /plans/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(refusedFields(await bed.request(isp, 'GET /plans/not-a-uuid'))).toEqual(['/params/planId']);
    const patch = await bed.request(isp, 'PATCH /plans/00000000-0000-4000-8000-000000000000', { name: 'x' });
    expect(patch.status).toBe(404);
  });

  test('a plan is renamed and described; its code and kind never change', async () => {
    const isp = await bed.tenant('rename');
    const plan = await createPlan(bed, isp, internetPlan());
    bed.clock.set('2026-03-03T08:00:00.000Z');
    const renamed = await bed.request<Plan>(isp, `PATCH /plans/${plan.id}`, {
      name: 'Fibre 100 Plus',
      description: 'Our best seller',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Fibre 100 Plus',
      description: 'Our best seller',
      code: plan.code,
      updatedAt: '2026-03-03T08:00:00.000Z',
      current: { name: 'Fibre 100 Plus' },
    });
    expect(refusedFields(await bed.request(isp, `PATCH /plans/${plan.id}`, { kind: 'tv' }))).toEqual(['/body/kind']);
    expect(refusedFields(await bed.request(isp, `PATCH /plans/${plan.id}`, {}))).toEqual(['/body']);
    expect(refusedFields(await bed.request(isp, `PATCH /plans/${plan.id}`, { addonFor: ['tv'] }))).toEqual([
      '/body/addonFor',
    ]);
    bed.clock.set(START);
  });

  test('hiding a plan takes it off sale, keeps it readable with its versions, and is announced', async () => {
    const isp = await bed.tenant('hide');
    const hidden = await createPlan(bed, isp, internetPlan({ name: 'Legacy DSL' }));
    const sold = await createPlan(bed, isp, internetPlan({ name: 'Fibre' }));
    const patched = await bed.request<Plan>(isp, `PATCH /plans/${hidden.id}`, { visible: false });
    expect(patched.body).toMatchObject({ visible: false, forSale: false, current: { version: 1, visible: false } });

    const forSale = await bed.request<PlanPage>(isp, 'GET /plans?forSale=true');
    expect(forSale.body.items.map((p) => p.id)).toEqual([sold.id]);
    const all = await bed.request<PlanPage>(isp, 'GET /plans');
    expect(all.body.items.map((p) => p.id).sort()).toEqual([hidden.id, sold.id].sort());
    expect((await bed.request<PlanPage>(isp, 'GET /plans?visible=false')).body.items.map((p) => p.id)).toEqual([
      hidden.id,
    ]);
    expect((await bed.request<PlanPage>(isp, 'GET /plans?forSale=false')).body.items.map((p) => p.id)).toEqual([
      hidden.id,
    ]);

    const read = await bed.request<Plan>(isp, `GET /plans/${hidden.id}`);
    expect(read.status).toBe(200);
    expect(read.body.current?.prices).toEqual({ USD: '29.99' });
    expect((await bed.request(isp, `GET /plans/${hidden.id}/versions/1`)).status).toBe(200);

    const [updated] = await bed.events({ tenant: isp, name: 'catalog.plan-updated' });
    expect(updated?.payload).toEqual({ planId: hidden.id, code: hidden.code, name: 'Legacy DSL', visible: false });

    const shown = await bed.request<Plan>(isp, `PATCH /plans/${hidden.id}`, { visible: true });
    expect(shown.body.forSale).toBe(true);
  });
});

describe('listing plans', () => {
  let isp: string;
  let plans: Plan[];
  beforeAll(async () => {
    isp = await bed.tenant('list');
    const names = ['delta', 'alpha', 'echo', 'charlie', 'bravo', 'golf', 'foxtrot'];
    plans = [];
    for (const [i, name] of names.entries()) {
      bed.clock.set(new Date(Date.parse(START) + i * 60_000));
      plans.push(await createPlan(bed, isp, internetPlan({ code: `list-${name}`, name: `plan ${name}` })));
    }
    bed.clock.set(START);
  });

  /** Every plan the list answers, page by page, following nextCursor. */
  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `GET /plans?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await bed.request<PlanPage>(isp, path);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.body.items.map((p) => p.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null);
    return { ids, pages };
  }

  test('pages follow one another by cursor in each sort order, with no plan missed or repeated', async () => {
    const by = (key: (p: Plan) => string, descending = false) =>
      [...plans].sort((a, b) => (key(a) < key(b) ? -1 : 1) * (descending ? -1 : 1)).map((p) => p.id);
    const expected: Record<string, string[]> = {
      name: by((p) => p.name),
      '-name': by((p) => p.name, true),
      code: by((p) => p.code),
      '-code': by((p) => p.code, true),
      createdAt: by((p) => p.createdAt),
      '-createdAt': by((p) => p.createdAt, true),
    };
    for (const [sort, ids] of Object.entries(expected)) {
      const walked = await walk(`sort=${sort}`, 3);
      expect(walked.ids, sort).toEqual(ids);
      expect(walked.pages).toBe(3);
    }
  });

  test('plans created between pages are found after the cursor, never before it', async () => {
    const first = await bed.request<PlanPage>(isp, 'GET /plans?sort=name&limit=2');
    expect(first.body.items.map((p) => p.name)).toEqual(['plan alpha', 'plan bravo']);
    const late = await createPlan(bed, isp, internetPlan({ code: 'list-zulu', name: 'plan zulu' }));
    const rest = await bed.request<PlanPage>(
      isp,
      `GET /plans?sort=name&limit=50&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
    );
    expect(rest.body.items.map((p) => p.name)).toEqual([
      'plan charlie',
      'plan delta',
      'plan echo',
      'plan foxtrot',
      'plan golf',
      'plan zulu',
    ]);
    expect(rest.body.nextCursor).toBeNull();
    await bed.request(isp, `PATCH /plans/${late.id}`, { visible: false });
  });

  test('filters by kind, text, code and currency, and pages through a filtered list', async () => {
    const voice = await createPlan(bed, isp, {
      code: 'list-voice',
      name: 'plan voice',
      kind: 'voice',
      prices: { EUR: '4.99' },
    });
    const only = async (query: string) =>
      (await bed.request<PlanPage>(isp, `GET /plans?${query}`)).body.items.map((p) => p.id);
    expect(await only('kind=voice')).toEqual([voice.id]);
    expect(await only('currency=EUR')).toEqual([voice.id]);
    expect(await only('q=ALPHA')).toEqual([plans[1]?.id]);
    expect(await only('q=list-ch')).toEqual([plans[3]?.id]);
    expect(await only('q=%25')).toEqual([]);
    expect(await only('code=LIST-ECHO')).toEqual([plans[2]?.id]);
    const internet = await walk('kind=internet&visible=true&sort=-name', 2);
    expect(internet.ids).toEqual([...plans].sort((a, b) => (a.name < b.name ? 1 : -1)).map((p) => p.id));
  });

  test('a cursor the list did not hand out, or one of another sort, is refused naming it', async () => {
    const page = await bed.request<PlanPage>(isp, 'GET /plans?sort=name&limit=1');
    const cursor = encodeURIComponent(page.body.nextCursor as string);
    expect(refusedFields(await bed.request(isp, `GET /plans?sort=code&cursor=${cursor}`))).toEqual(['/query/cursor']);
    expect(refusedFields(await bed.request(isp, 'GET /plans?cursor=bm90LWEtY3Vyc29y'))).toEqual(['/query/cursor']);
    expect(refusedFields(await bed.request(isp, 'GET /plans?cursor=%25%25'))).toEqual(['/query/cursor']);
    expect(refusedFields(await bed.request(isp, 'GET /plans?limit=500'))).toEqual(['/query/limit']);
    expect(refusedFields(await bed.request(isp, 'GET /plans?sort=price'))).toEqual(['/query/sort']);
  });
});

test('each tenant sees only its own plans, though they share the tables', async () => {
  const ispA = await bed.tenant('tenant-a');
  const ispB = await bed.tenant('tenant-b');
  const fromA = await createPlan(bed, ispA, internetPlan({ code: 'SAME' }));
  const fromB = await createPlan(bed, ispB, internetPlan({ code: 'SAME' }));
  expect((await bed.request<PlanPage>(ispA, 'GET /plans')).body.items.map((p) => p.id)).toEqual([fromA.id]);
  expect((await bed.request<PlanPage>(ispB, 'GET /plans')).body.items.map((p) => p.id)).toEqual([fromB.id]);
  expect((await bed.request(ispA, `GET /plans/${fromB.id}`)).status).toBe(404);
  expect((await bed.request(ispA, `PATCH /plans/${fromB.id}`, { visible: false })).status).toBe(404);
  expect((await bed.request(ispA, `POST /plans/${fromB.id}/versions`, { prices: { USD: '1' } })).status).toBe(404);
  expect((await bed.request(ispA, `GET /plans/${fromB.id}/versions`)).status).toBe(404);
  const owners = await bed.query<{ tenant_id: string }>("select tenant_id from plans where code = 'SAME'");
  expect(owners.map((o) => o.tenant_id).sort()).toEqual([ispA, ispB].sort());
});

test('the routes need the catalog permissions: a key holding plans.read reads but cannot write', async () => {
  const isp = await bed.tenant('keys');
  const plan = await createPlan(bed, isp, internetPlan());
  const keyFor = async (permissions: string[]) => {
    const response = await fetch(`${bed.url}/api/v1/api-keys`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bed.adminToken}`,
        'x-dotmac-tenant': isp,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: permissions.join(' '), permissions }),
    });
    expect(response.status).toBe(201);
    const { key } = (await response.json()) as { key: string };
    return { authorization: `Bearer ${key}` };
  };
  const reader = await keyFor(['dotmac.catalog.plans.read']);
  const writer = await keyFor(['dotmac.catalog.plans.read', 'dotmac.catalog.plans.write']);

  expect((await bed.request(isp, 'GET /plans', undefined, { headers: reader })).status).toBe(200);
  expect((await bed.request(isp, `GET /plans/${plan.id}/versions`, undefined, { headers: reader })).status).toBe(200);
  const refused = await bed.request<Problem>(isp, 'POST /plans', internetPlan(), { headers: reader });
  expect(refused.status).toBe(403);
  expect(refused.body.detail).toContain('dotmac.catalog.plans.write');
  expect((await bed.request(isp, `PATCH /plans/${plan.id}`, { visible: false }, { headers: reader })).status).toBe(403);
  const written = await bed.request<Plan>(isp, 'POST /plans', internetPlan(), { headers: writer });
  expect(written.status).toBe(201);
  expect(written.body.current?.createdBy).toMatch(/^api-key:[0-9a-f-]{36}$/);
});

test('/openapi.json documents every route with its permission and schemas', async () => {
  const document = (await (await fetch(`${bed.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { 'x-permission'?: string; parameters?: { name: string }[] }>>;
  };
  const base = '/api/v1/p/dotmac.catalog';
  expect(document.paths[`${base}/plans`]?.get?.['x-permission']).toBe('dotmac.catalog.plans.read');
  expect(document.paths[`${base}/plans`]?.post?.['x-permission']).toBe('dotmac.catalog.plans.write');
  expect(document.paths[`${base}/plans`]?.get?.parameters?.map((p) => p.name)).toEqual(
    expect.arrayContaining(['kind', 'visible', 'forSale', 'q', 'sort', 'cursor', 'limit']),
  );
  expect(
    Object.keys(document.paths)
      .filter((path) => path.startsWith(base))
      .sort(),
  ).toEqual([
    `${base}/plans`,
    `${base}/plans/{planId}`,
    `${base}/plans/{planId}/versions`,
    `${base}/plans/{planId}/versions/{version}`,
    `${base}/plans/{planId}/versions/{version}/cancel`,
  ]);
  expect(JSON.stringify(document)).not.toContain('#/$defs');
});
