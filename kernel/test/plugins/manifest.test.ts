// Specification of plugin manifests: what plugin.json may say, and how a bad one is explained.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import manifestSchema from '@dotmac/schemas/plugin-manifest.schema.json' with { type: 'json' };
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import { EVENT_NAME } from '../../src/events/schemas.ts';
import { EventBus, EventSchemas, systemClock } from '../../src/index.ts';
import {
  PLUGIN_ID,
  type PluginManifest,
  parseManifest,
  pinnedMajor,
  readManifest,
} from '../../src/plugins/manifest.ts';

type Json = Record<string, unknown>;

/** The smallest valid manifest. */
function minimal(): Json {
  return {
    id: 'dotmac.billing',
    version: '1.0.0',
    name: 'Billing',
    description: 'Invoices, payments and dunning.',
    publisher: 'DotMac',
    engines: { kernel: '^0.1.0' },
  };
}

/** A manifest that uses every field the schema has. */
function complete(): Json {
  return {
    $schema: 'https://dotmac.dev/schemas/plugin-manifest.schema.json',
    ...minimal(),
    dependencies: { 'dotmac.customers': '^1.2.0' },
    capabilities: {
      db: { migrations: 'db/migrations' },
      events: {
        publish: [
          {
            name: 'invoice.issued',
            description: 'An invoice was issued.',
            schema: { type: 'object', properties: { invoiceId: { type: 'string' } }, required: ['invoiceId'] },
          },
          { name: 'invoice.paid', description: 'An invoice was paid in full.', schema: 'schemas/invoice.paid.json' },
        ],
        subscribe: ['customer.*', 'tenant.created', 'payment.**', '**'],
      },
      http: {
        routes: [
          {
            method: 'GET',
            path: '/invoices/:id',
            summary: 'One invoice',
            description: 'The invoice with its lines.',
            request: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
            responses: { '200': { description: 'The invoice', schema: { type: 'object' } } },
            permission: 'dotmac.billing.invoices.read',
          },
          {
            method: 'POST',
            path: '/invoices',
            summary: 'Issue an invoice',
            request: { body: { type: 'object' }, query: { type: 'object' } },
            responses: { '201': { description: 'Issued' } },
            permission: 'dotmac.customers.read',
          },
          {
            method: 'POST',
            path: '/webhooks/stripe',
            summary: 'Stripe webhook',
            responses: { '204': { description: 'Received' } },
            public: true,
          },
        ],
      },
      jobs: [
        {
          name: 'generate-invoices',
          description: 'Bills every due subscription.',
          cron: '0 2 * * *',
          concurrency: 1,
          attempts: 3,
        },
        { name: 'send-reminder', concurrency: 4, attempts: 5 },
      ],
      config: {
        type: 'object',
        properties: { currency: { type: 'string' }, webhookUrl: { type: 'string', format: 'uri' } },
        additionalProperties: false,
      },
      secrets: [{ name: 'STRIPE_API_KEY', description: 'Secret key from the Stripe dashboard.' }],
      egress: [
        { host: 'api.stripe.com', description: 'Card payments.' },
        { host: '*.example-bank.com', ports: [443, 8443] },
        { config: 'webhookUrl', description: 'Where each tenant wants its payment notices posted.' },
      ],
      datagram: { ports: [3799], description: 'RADIUS CoA and Disconnect-Request to the NAS.' },
      services: {
        exports: [
          {
            name: 'balanceOf',
            description: "A customer's open balance.",
            input: { type: 'object' },
            output: { type: 'object' },
          },
        ],
        calls: ['dotmac.customers.findCustomer'],
      },
    },
    ui: [
      {
        portal: 'admin',
        slot: 'route',
        path: '/billing/invoices',
        module: './InvoiceList',
        permission: 'dotmac.billing.invoices.read',
      },
      { portal: 'customer', slot: 'nav', path: '/invoices', module: './MyInvoices', title: 'Invoices' },
      { portal: 'admin', slot: 'detail-tab', path: '/customers/:id', module: './CustomerInvoices', title: 'Invoices' },
    ],
    permissions: [
      { name: 'dotmac.billing.invoices.read', description: 'See invoices.' },
      { name: 'dotmac.billing.invoices.issue', description: 'Issue invoices.' },
    ],
    limits: { memoryMb: 128, callTimeoutMs: 10000 },
  };
}

/** `complete()` with `change` applied to it. */
function changed(change: (m: Json & { capabilities: Json }) => void): Json {
  const m = complete() as Json & { capabilities: Json };
  change(m);
  return m;
}

/** The field problems `parseManifest` reports; fails the test when it accepts `json`. */
function problems(json: unknown): { pointer: string; detail: string }[] {
  try {
    parseManifest(json, 'plugins-core/billing/plugin.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return [...(e as ValidationError).errors];
  }
  throw new Error(`parseManifest accepted ${JSON.stringify(json)}`);
}

/** Just the pointers, for tables of bad manifests. */
function pointers(json: unknown): string[] {
  return problems(json).map((p) => p.pointer);
}

/** What `m.capabilities.<key>` holds, typed loosely for edits. */
function capability(m: { capabilities: Json }, key: string): Json {
  return m.capabilities[key] as Json;
}
function routes(m: { capabilities: Json }): Json[] {
  return capability(m, 'http').routes as Json[];
}

describe('parseManifest accepts', () => {
  test('the smallest manifest, and fills in the default limits', () => {
    expect(parseManifest(minimal(), 'plugin.json')).toEqual({
      ...minimal(),
      limits: { memoryMb: 64, callTimeoutMs: 5000 },
    });
  });

  test('a manifest that uses every field, unchanged', () => {
    const m = complete();
    expect(parseManifest(m, 'plugin.json')).toEqual(m);
  });

  test('a job without concurrency or attempts, which then runs one at a time and is tried three times', () => {
    const m = parseManifest({ ...minimal(), capabilities: { jobs: [{ name: 'sync' }] } }, 'plugin.json');
    expect(m.capabilities?.jobs).toEqual([{ name: 'sync', concurrency: 1, attempts: 3 }]);
  });

  test('without changing the object it is given', () => {
    const m = minimal();
    parseManifest(m, 'plugin.json');
    expect(m).toEqual(minimal());
  });

  test.each(['dotmac.billing', 'acme.mikrotik-sync', 'com.example.radius-v2', 'a1.b2'])('the id %s', (id) => {
    expect(parseManifest({ ...minimal(), id }, 'plugin.json').id).toBe(id);
  });

  test.each(['1.0.0', '0.0.1', '2.0.0-rc.1', '1.2.3+build.5'])('the version %s', (version) => {
    expect(parseManifest({ ...minimal(), version }, 'plugin.json').version).toBe(version);
  });

  test('db: true', () => {
    const m = parseManifest({ ...minimal(), capabilities: { db: true } }, 'plugin.json');
    expect(m.capabilities?.db).toBe(true);
  });

  test('a screen shown only to holders of a kernel permission, and a nav entry without a module', () => {
    const ui = [
      { portal: 'admin', slot: 'route', path: '/settings/users', module: './Users', permission: 'kernel.users.read' },
      { portal: 'admin', slot: 'nav', path: '/settings/users', title: 'Users', order: 85 },
    ];
    expect(parseManifest({ ...minimal(), ui }, 'plugin.json').ui).toEqual(ui);
  });
});

describe('parseManifest refuses', () => {
  test('with a ValidationError whose message names the source file and every failing field', () => {
    const bad = { ...minimal(), id: 'Billing', version: 'one' };
    expect(() => parseManifest(bad, 'plugins-core/billing/plugin.json')).toThrow(
      'invalid plugin manifest plugins-core/billing/plugin.json: /id must be a reverse-DNS id like dotmac.billing; /version must be a semver version like 1.4.0',
    );
  });

  test.each<[string, unknown, string[]]>([
    ['a manifest that is not an object', [], ['/']],
    [
      'a manifest without id, version, name, description, publisher, engines',
      {},
      ['/id', '/version', '/name', '/description', '/publisher', '/engines'],
    ],
    ['engines without kernel', { ...minimal(), engines: {} }, ['/engines/kernel']],
    ['an unknown top-level property', { ...minimal(), main: 'index.js' }, ['/main']],
    ['an unknown property in engines', { ...minimal(), engines: { kernel: '^0.1.0', node: '24' } }, ['/engines/node']],
    ['an unknown capability', { ...minimal(), capabilities: { filesystem: true } }, ['/capabilities/filesystem']],
    ['a one-word id', { ...minimal(), id: 'billing' }, ['/id']],
    ['an id with capitals', { ...minimal(), id: 'DotMac.billing' }, ['/id']],
    ['an id with an underscore', { ...minimal(), id: 'dotmac.bill_ing' }, ['/id']],
    ['an id with a word ending in a hyphen', { ...minimal(), id: 'dotmac.billing-' }, ['/id']],
    ['an id with a double hyphen', { ...minimal(), id: 'dotmac.bill--ing' }, ['/id']],
    ['an id with a word starting with a digit', { ...minimal(), id: 'dotmac.2fa' }, ['/id']],
    ['an id longer than 56 characters', { ...minimal(), id: `dotmac.${'a'.repeat(50)}` }, ['/id']],
    ['a version that is not semver', { ...minimal(), version: '1.0' }, ['/version']],
    ['a version with a leading v', { ...minimal(), version: 'v1.0.0' }, ['/version']],
    [
      'a dependency key that is not a plugin id',
      { ...minimal(), dependencies: { Customers: '^1.0.0' } },
      ['/dependencies/Customers'],
    ],
    ['a memory limit below 8 MiB', { ...minimal(), limits: { memoryMb: 4 } }, ['/limits/memoryMb']],
    ['a memory limit above 512 MiB', { ...minimal(), limits: { memoryMb: 1024 } }, ['/limits/memoryMb']],
    ['a call timeout above one minute', { ...minimal(), limits: { callTimeoutMs: 60001 } }, ['/limits/callTimeoutMs']],
    ['an unknown limit', { ...minimal(), limits: { cpuMs: 5 } }, ['/limits/cpuMs']],
    [
      'a page, tab or widget without the module that renders it',
      { ...minimal(), ui: [{ portal: 'admin', slot: 'detail-tab', path: '/customers/:id', title: 'Billing' }] },
      ['/ui/0/module'],
    ],
  ])('%s', (_name, json, expected) => {
    expect(pointers(json)).toEqual(expected);
  });

  test.each<[string, (m: Json & { capabilities: Json }) => void, string[]]>([
    ['db that is neither a boolean nor an object', (m) => (m.capabilities.db = 'yes'), ['/capabilities/db']],
    [
      'a migrations folder outside the plugin folder',
      (m) => (m.capabilities.db = { migrations: '../elsewhere' }),
      ['/capabilities/db/migrations', '/capabilities/db'],
    ],
    [
      'a published event name that is not dotted lowercase words',
      (m) => ((capability(m, 'events').publish as Json[])[0] = { name: 'InvoiceIssued', description: 'x', schema: {} }),
      ['/capabilities/events/publish/0/name'],
    ],
    [
      'a published event without a schema',
      (m) => ((capability(m, 'events').publish as Json[])[0] = { name: 'invoice.issued', description: 'x' }),
      ['/capabilities/events/publish/0/schema'],
    ],
    [
      'an event schema file outside the plugin folder',
      (m) => (((capability(m, 'events').publish as Json[])[1] as Json).schema = '../other/schema.json'),
      ['/capabilities/events/publish/1/schema'],
    ],
    [
      'a subscription with ** before its last word',
      (m) => (capability(m, 'events').subscribe = ['invoice.**.paid']),
      ['/capabilities/events/subscribe/0'],
    ],
    [
      'a route with a lowercase method',
      (m) => ((routes(m)[0] as Json).method = 'get'),
      ['/capabilities/http/routes/0/method'],
    ],
    [
      'a route path without a leading slash',
      (m) => ((routes(m)[0] as Json).path = 'invoices/:id'),
      ['/capabilities/http/routes/0/path'],
    ],
    [
      'a route without responses',
      (m) => delete (routes(m)[0] as Json).responses,
      ['/capabilities/http/routes/0/responses'],
    ],
    [
      'a route response status that is not an HTTP status',
      (m) => ((routes(m)[0] as Json).responses = { ok: { description: 'OK' } }),
      ['/capabilities/http/routes/0/responses/ok'],
    ],
    [
      'an unknown request part',
      (m) => ((routes(m)[0] as Json).request = { headers: { type: 'object' } }),
      ['/capabilities/http/routes/0/request/headers'],
    ],
    [
      'a job name with capitals',
      (m) => (m.capabilities.jobs = [{ name: 'GenerateInvoices' }]),
      ['/capabilities/jobs/0/name'],
    ],
    [
      'a job with 0 attempts',
      (m) => (m.capabilities.jobs = [{ name: 'a', attempts: 0 }]),
      ['/capabilities/jobs/0/attempts'],
    ],
    [
      'a config schema that is neither an object nor a file',
      (m) => (m.capabilities.config = 42),
      ['/capabilities/config'],
    ],
    [
      'a secret name in lowercase',
      (m) => (m.capabilities.secrets = [{ name: 'stripe_key', description: 'x' }]),
      ['/capabilities/secrets/0/name'],
    ],
    [
      'a secret without a description',
      (m) => (m.capabilities.secrets = [{ name: 'KEY' }]),
      ['/capabilities/secrets/0/description'],
    ],
    [
      'an egress host that is an IP address',
      (m) => (m.capabilities.egress = [{ host: '10.0.0.1' }]),
      ['/capabilities/egress/0/host'],
    ],
    [
      'an egress host without a dot',
      (m) => (m.capabilities.egress = [{ host: 'localhost' }]),
      ['/capabilities/egress/0/host'],
    ],
    [
      'an egress port out of range',
      (m) => (m.capabilities.egress = [{ host: 'api.stripe.com', ports: [0] }]),
      ['/capabilities/egress/0/ports/0'],
    ],
    ['a datagram block without ports', (m) => (m.capabilities.datagram = {}), ['/capabilities/datagram/ports']],
    [
      'a datagram block with no port in its list',
      (m) => (m.capabilities.datagram = { ports: [] }),
      ['/capabilities/datagram/ports'],
    ],
    [
      'a datagram port out of range',
      (m) => (m.capabilities.datagram = { ports: [3799, 65536] }),
      ['/capabilities/datagram/ports/1'],
    ],
    [
      'a datagram port listed twice',
      (m) => (m.capabilities.datagram = { ports: [3799, 3799] }),
      ['/capabilities/datagram/ports'],
    ],
    [
      'a datagram block naming hosts, which the operator decides',
      (m) => (m.capabilities.datagram = { ports: [3799], hosts: ['10.0.0.1'] }),
      ['/capabilities/datagram/hosts'],
    ],
    [
      'a service call without a function name',
      (m) => (capability(m, 'services').calls = ['dotmac.customers']),
      ['/capabilities/services/calls/0'],
    ],
    [
      'an exported function that is not camelCase',
      (m) =>
        ((capability(m, 'services').exports as Json[])[0] = {
          name: 'find-customer',
          description: 'x',
          input: {},
          output: {},
        }),
      ['/capabilities/services/exports/0/name'],
    ],
    [
      'a UI contribution to an unknown portal',
      (m) => ((m.ui as Json[])[0] = { ...(m.ui as Json[])[0], portal: 'partner' }),
      ['/ui/0/portal'],
    ],
    [
      'a UI contribution to an unknown slot',
      (m) => ((m.ui as Json[])[0] = { ...(m.ui as Json[])[0], slot: 'footer' }),
      ['/ui/0/slot'],
    ],
    [
      'a UI module that is not a relative exposed module',
      (m) => ((m.ui as Json[])[0] = { ...(m.ui as Json[])[0], module: 'InvoiceList' }),
      ['/ui/0/module'],
    ],
    [
      'a permission without a description',
      (m) => (m.permissions = [{ name: 'dotmac.billing.x' }]),
      ['/permissions/0/description'],
    ],
  ])('%s', (_name, change, expected) => {
    expect(pointers(changed(change))).toEqual(expected);
  });

  test('a value of the wrong form with a reason that says what is expected', () => {
    expect(problems(changed((m) => (m.capabilities.config = 42)))).toEqual([
      {
        pointer: '/capabilities/config',
        detail:
          'must be an inline JSON Schema object or the path of a .json file inside the plugin folder (schemas/invoice.issued.json)',
      },
    ]);
  });
});

describe('parseManifest checks what the schema cannot', () => {
  test.each<[string, (m: Json & { capabilities: Json }) => void, { pointer: string; detail: string }[]]>([
    [
      'engines.kernel that admits two kernel majors',
      (m) => (m.engines = { kernel: '>=0.1.0' }),
      [{ pointer: '/engines/kernel', detail: expect.stringContaining('must pin one major version of the kernel') }],
    ],
    [
      'engines.kernel that is not a range',
      (m) => (m.engines = { kernel: 'latest' }),
      [{ pointer: '/engines/kernel', detail: 'latest is not a semver range' }],
    ],
    [
      'a dependency on itself',
      (m) => (m.dependencies = { 'dotmac.billing': '^1.0.0', 'dotmac.customers': '^1.2.0' }),
      [{ pointer: '/dependencies/dotmac.billing', detail: 'a plugin cannot depend on itself' }],
    ],
    [
      'a dependency range that is not a range',
      (m) => (m.dependencies = { 'dotmac.customers': 'newest' }),
      [{ pointer: '/dependencies/dotmac.customers', detail: expect.stringContaining('is not a semver range') }],
    ],
    [
      'two routes with one method and path, whatever their parameters are called',
      (m) => routes(m).push({ ...routes(m)[0], path: '/invoices/:invoiceId' }),
      [
        {
          pointer: '/capabilities/http/routes/3',
          detail: 'GET /invoices/:invoiceId repeats /capabilities/http/routes/0',
        },
      ],
    ],
    [
      'an event published twice',
      (m) => (capability(m, 'events').publish as Json[]).push({ name: 'invoice.issued', description: 'x', schema: {} }),
      [
        {
          pointer: '/capabilities/events/publish/2/name',
          detail: 'invoice.issued repeats /capabilities/events/publish/0/name',
        },
      ],
    ],
    [
      'a permission that does not start with the plugin id',
      (m) => (m.permissions as Json[]).push({ name: 'billing.invoices.void', description: 'x' }),
      [{ pointer: '/permissions/2/name', detail: 'must start with the plugin id: dotmac.billing.<resource>.<action>' }],
    ],
    [
      'a permission defined twice',
      (m) => (m.permissions as Json[]).push({ name: 'dotmac.billing.invoices.read', description: 'x' }),
      [{ pointer: '/permissions/2/name', detail: 'dotmac.billing.invoices.read repeats /permissions/0/name' }],
    ],
    [
      'a route with neither a permission nor public: true',
      (m) => delete (routes(m)[0] as Json).permission,
      [{ pointer: '/capabilities/http/routes/0/permission', detail: 'is required unless the route is public: true' }],
    ],
    [
      'a public route that also requires a permission',
      (m) => ((routes(m)[2] as Json).permission = 'dotmac.billing.invoices.read'),
      [{ pointer: '/capabilities/http/routes/2/permission', detail: expect.stringContaining('a public route') }],
    ],
    [
      'a route that requires a permission of its own plugin it does not define',
      (m) => ((routes(m)[0] as Json).permission = 'dotmac.billing.invoices.delete'),
      [
        {
          pointer: '/capabilities/http/routes/0/permission',
          detail: 'dotmac.billing.invoices.delete is not defined in /permissions',
        },
      ],
    ],
    [
      'a route that requires a permission of a plugin it does not depend on',
      (m) => ((routes(m)[0] as Json).permission = 'acme.crm.read'),
      [
        {
          pointer: '/capabilities/http/routes/0/permission',
          detail: expect.stringContaining('or of a plugin in /dependencies'),
        },
      ],
    ],
    [
      'a UI contribution that requires a permission nobody it knows defines',
      (m) => (((m.ui as Json[])[0] as Json).permission = 'acme.crm.read'),
      [{ pointer: '/ui/0/permission', detail: expect.stringContaining('or of a plugin in /dependencies') }],
    ],
    [
      'a UI contribution that requires a kernel permission the kernel does not have',
      (m) => (((m.ui as Json[])[0] as Json).permission = 'kernel.everything'),
      [{ pointer: '/ui/0/permission', detail: expect.stringContaining('or of a plugin in /dependencies') }],
    ],
    [
      'the same UI contribution twice',
      (m) => (m.ui as Json[]).push((m.ui as Json[])[1] as Json),
      [{ pointer: '/ui/3', detail: 'customer nav /invoices ./MyInvoices repeats /ui/1' }],
    ],
    [
      'a job cron that is not a cron pattern',
      (m) => (m.capabilities.jobs = [{ name: 'a', cron: 'every day' }]),
      [{ pointer: '/capabilities/jobs/0/cron', detail: expect.stringContaining('is not a cron pattern') }],
    ],
    [
      'a job cron that never fires',
      (m) => (m.capabilities.jobs = [{ name: 'a', cron: '0 0 30 2 *' }]),
      [{ pointer: '/capabilities/jobs/0/cron', detail: '0 0 30 2 * never runs' }],
    ],
    [
      'a job defined twice',
      (m) => (m.capabilities.jobs = [{ name: 'a' }, { name: 'a', cron: '0 * * * *' }]),
      [{ pointer: '/capabilities/jobs/1/name', detail: 'a repeats /capabilities/jobs/0/name' }],
    ],
    [
      'a service call into a plugin that is not a dependency',
      (m) => (capability(m, 'services').calls = ['acme.crm.findLead']),
      [{ pointer: '/capabilities/services/calls/0', detail: 'calls acme.crm, which is not in /dependencies' }],
    ],
    [
      'a function exported twice',
      (m) =>
        (capability(m, 'services').exports as Json[]).push({
          name: 'balanceOf',
          description: 'x',
          input: {},
          output: {},
        }),
      [
        {
          pointer: '/capabilities/services/exports/1/name',
          detail: 'balanceOf repeats /capabilities/services/exports/0/name',
        },
      ],
    ],
    [
      'a secret declared twice',
      (m) => (m.capabilities.secrets as Json[]).push({ name: 'STRIPE_API_KEY', description: 'x' }),
      [{ pointer: '/capabilities/secrets/1/name', detail: 'STRIPE_API_KEY repeats /capabilities/secrets/0/name' }],
    ],
    [
      'an inline schema that is not a JSON Schema, pointing into it',
      (m) =>
        (((capability(m, 'services').exports as Json[])[0] as Json).input = {
          type: 'object',
          properties: { n: { minimum: 'one' } },
        }),
      [{ pointer: '/capabilities/services/exports/0/input/properties/n/minimum', detail: 'must be number' }],
    ],
    [
      'an egress rule naming both a host and a config property',
      (m) => (m.capabilities.egress = [{ host: 'api.stripe.com', config: 'webhookUrl' }]),
      [
        {
          pointer: '/capabilities/egress/0',
          detail: 'names both host and config; a rule names one of them',
        },
      ],
    ],
    [
      'an egress rule naming neither',
      (m) => (m.capabilities.egress = [{ description: 'Somewhere.' }]),
      [
        {
          pointer: '/capabilities/egress/0',
          detail: 'needs host (api.stripe.com) or config (a config property holding a URL)',
        },
      ],
    ],
    [
      'an egress config rule with ports',
      (m) => (m.capabilities.egress = [{ config: 'webhookUrl', ports: [8443] }]),
      [
        {
          pointer: '/capabilities/egress/0/ports',
          detail: 'is for host rules: a config rule allows the configured URL’s port',
        },
      ],
    ],
    [
      'an egress config rule naming a property the config does not declare',
      (m) => (m.capabilities.egress = [{ host: 'api.stripe.com' }, { config: 'callbackUrl' }]),
      [
        {
          pointer: '/capabilities/egress/1/config',
          detail: 'callbackUrl is not a string property of /capabilities/config',
        },
      ],
    ],
    [
      'an egress config rule naming a property that is not a string',
      (m) => {
        m.capabilities.config = { type: 'object', properties: { webhookUrl: { type: 'array' } } };
        m.capabilities.egress = [{ config: 'webhookUrl' }];
      },
      [
        {
          pointer: '/capabilities/egress/0/config',
          detail: 'webhookUrl is not a string property of /capabilities/config',
        },
      ],
    ],
    [
      'an egress config rule without a config',
      (m) => {
        delete m.capabilities.config;
        m.capabilities.egress = [{ config: 'webhookUrl' }];
      },
      [
        {
          pointer: '/capabilities/egress/0/config',
          detail: 'names config property webhookUrl, but there is no config',
        },
      ],
    ],
    [
      'a config schema that does not describe an object',
      (m) => (m.capabilities.config = { type: 'string' }),
      [{ pointer: '/capabilities/config/type', detail: 'must be "object": config is an object of settings' }],
    ],
    [
      'an event schema whose $id is not the event name',
      (m) =>
        (((capability(m, 'events').publish as Json[])[0] as Json).schema = { $id: 'invoice.created', type: 'object' }),
      [
        {
          pointer: '/capabilities/events/publish/0/schema/$id',
          detail: 'must be the event name invoice.issued, or absent',
        },
      ],
    ],
  ])('%s', (_name, change, expected) => {
    expect(problems(changed(change))).toEqual(expected);
  });

  test('every problem at once, not only the first', () => {
    const m = changed((m) => {
      m.engines = { kernel: '*' };
      m.dependencies = { 'dotmac.billing': '^1.0.0' };
      m.capabilities.jobs = [{ name: 'a' }, { name: 'a' }];
    });
    expect(pointers(m)).toEqual([
      '/engines/kernel',
      '/dependencies/dotmac.billing',
      // the route and UI permissions of dotmac.customers are no longer a dependency's
      '/capabilities/http/routes/1/permission',
      '/capabilities/jobs/1/name',
      '/capabilities/services/calls/0',
    ]);
  });
});

describe('pinnedMajor: engines.kernel must pin one major version', () => {
  test.each<[string, number]>([
    ['^0.1.0', 0],
    ['^1.2.0', 1],
    ['~1.2.0', 1],
    ['1.x', 1],
    ['1', 1],
    ['0.x', 0],
    ['>=1.2.0 <2.0.0', 1],
    ['>=1.2.0 <2.0.0-0', 1],
    ['>=0.9.0 <1.0.0', 0],
    ['1.2.3 - 1.9', 1],
    ['1.2.3', 1],
    ['^1.0.0 || ^1.5.0', 1],
    ['^2.0.0-rc.1', 2],
  ])('%s pins major %i', (range, major) => {
    expect(pinnedMajor(range)).toBe(major);
  });

  test.each([
    '*',
    'x',
    '>=1.2.0',
    '>1.0.0',
    '<2.0.0',
    '>=1.0.0 <=2.0.0',
    '>=1.2.0 <2.0.0-beta',
    '>=1.0.0 <3.0.0',
    '1.x || 2.x',
    '^1.0.0 || ^2.0.0',
    '>=2.0.0 <1.0.0',
    'latest',
  ])('%s pins no major', (range) => {
    expect(pinnedMajor(range)).toBeUndefined();
  });
});

describe('the schema uses the kernel’s own patterns', () => {
  const defs = manifestSchema.$defs;
  const capabilities = manifestSchema.properties.capabilities.properties;

  test('event names are EVENT_NAME of the event catalogue', () => {
    expect(defs.eventName.pattern).toBe(EVENT_NAME.source);
  });

  test('PLUGIN_ID is the schema’s plugin id pattern', () => {
    expect(PLUGIN_ID.source).toBe(defs.pluginId.pattern);
  });

  test('permission names and dependency keys use the plugin id grammar', () => {
    expect(defs.permissionName.pattern).toBe(defs.pluginId.pattern);
    expect(Object.keys(manifestSchema.properties.dependencies.patternProperties)).toEqual([defs.pluginId.pattern]);
  });

  test('a service call is a plugin id, a dot and an exported function name', () => {
    const call = capabilities.services.properties.calls.items.pattern;
    const fn = defs.serviceExport.properties.name.pattern;
    expect(call).toBe(`${defs.pluginId.pattern.slice(0, -1)}\\.${fn.slice(1)}`);
  });

  test('a subscription pattern is valid in the schema exactly when the event bus accepts it', () => {
    const subscribe = new RegExp(capabilities.events.properties.subscribe.items.pattern, 'u');
    const bus = new EventBus(new EventSchemas(), systemClock);
    const busAccepts = (pattern: string) => {
      try {
        bus.subscribe({ id: 'probe', patterns: [pattern], handle: async () => {} });
        bus.unsubscribe('probe');
        return true;
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return false;
      }
    };
    const word = fc.constantFrom('a', 'invoice', 'b-2', '*', '**', 'X', '', '1a', 'a_b');
    const pattern = fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join('.'));
    fc.assert(
      fc.property(pattern, (p) => subscribe.test(p) === busAccepts(p)),
      { numRuns: 500 },
    );
  });
});

describe('readManifest', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  /** A fresh plugin folder holding `files` (path → content; objects are written as JSON). */
  async function pluginDir(files: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'dotmac-manifest-'));
    roots.push(dir);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
    }
    return dir;
  }

  const paidSchema = { type: 'object', properties: { invoiceId: { type: 'string' } } };

  test('reads plugin.json and puts every schema file it names in place', async () => {
    const dir = await pluginDir({ 'plugin.json': complete(), 'schemas/invoice.paid.json': paidSchema });
    const m: PluginManifest = await readManifest(dir);
    expect(m.capabilities?.events?.publish?.[1]?.schema).toEqual(paidSchema);
    expect(m.id).toBe('dotmac.billing');
  });

  test('names plugin.json in its errors', async () => {
    const dir = await pluginDir({ 'plugin.json': { ...minimal(), id: 'x' } });
    await expect(readManifest(dir)).rejects.toThrow(`invalid plugin manifest ${join(dir, 'plugin.json')}: /id`);
  });

  test('refuses plugin.json that is not JSON, at pointer /', async () => {
    const dir = await pluginDir({ 'plugin.json': '{ "id": ' });
    const error = await readManifest(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([
      { pointer: '/', detail: expect.stringContaining('is not valid JSON') },
    ]);
  });

  test('refuses a folder without plugin.json with NotFoundError', async () => {
    const dir = await pluginDir({ 'README.md': '# not a plugin' });
    await expect(readManifest(dir)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('refuses a schema file that is missing, at the field that names it', async () => {
    const dir = await pluginDir({ 'plugin.json': complete() });
    const error = (await readManifest(dir).catch((e: unknown) => e)) as ValidationError;
    expect(error.errors).toEqual([
      { pointer: '/capabilities/events/publish/1/schema', detail: 'schemas/invoice.paid.json cannot be read (ENOENT)' },
    ]);
  });

  test('refuses a schema file that is not JSON', async () => {
    const dir = await pluginDir({ 'plugin.json': complete(), 'schemas/invoice.paid.json': 'type: object' });
    const error = (await readManifest(dir).catch((e: unknown) => e)) as ValidationError;
    expect(error.errors).toEqual([
      { pointer: '/capabilities/events/publish/1/schema', detail: expect.stringContaining('is not valid JSON') },
    ]);
  });

  test('refuses a schema file that is not a JSON Schema, pointing into it and naming the file', async () => {
    const dir = await pluginDir({
      'plugin.json': complete(),
      'schemas/invoice.paid.json': { type: 'object', required: 'invoiceId' },
    });
    const error = (await readManifest(dir).catch((e: unknown) => e)) as ValidationError;
    expect(error.errors).toEqual([
      {
        pointer: '/capabilities/events/publish/1/schema/required',
        detail: 'must be array (in schemas/invoice.paid.json)',
      },
    ]);
  });

  test('applies the slot’s own rule to a schema file (event $id is the event name)', async () => {
    const dir = await pluginDir({
      'plugin.json': complete(),
      'schemas/invoice.paid.json': { ...paidSchema, $id: 'invoice.settled' },
    });
    const error = (await readManifest(dir).catch((e: unknown) => e)) as ValidationError;
    expect(error.errors).toEqual([
      {
        pointer: '/capabilities/events/publish/1/schema/$id',
        detail: 'must be the event name invoice.paid, or absent (in schemas/invoice.paid.json)',
      },
    ]);
  });
});
