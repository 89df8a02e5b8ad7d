// The payment-provider extension point, used as a third party would: a gateway plugin (a test
// fixture, built here with the SDK) records the payments its webhook confirms through
// dotmac.billing.recordPayment.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEPENDENCIES, expectStatus, type Invoice, openAccount } from './support/world.ts';

const GATEWAY = fileURLToPath(new URL('./fixtures/gateway/', import.meta.url));
const BILLING = new URL('../', import.meta.url);
const CLI = fileURLToPath(new URL('../../../sdk/src/cli.ts', import.meta.url));

let bed: Testbed;
beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'build', GATEWAY]);
  bed = await createTestbed({ dir: GATEWAY, with: [...DEPENDENCIES, BILLING], clock: '2026-05-01T10:00:00.000Z' });
});
afterAll(() => bed?.close());

test("a gateway's webhook records one payment through billing, however often it is delivered", async () => {
  const tenant = await bed.tenant();
  const billing = { plugin: 'dotmac.billing' };
  const accountId = await openAccount(bed, tenant, 'NGN', 'Chidi Okafor');
  expectStatus(await bed.request(tenant, `PATCH /accounts/${accountId}`, {}, billing), 200);
  const draft = expectStatus(
    await bed.request<Invoice>(
      tenant,
      'POST /invoices',
      { accountId, lines: [{ description: 'Installation', unitPrice: '15000.00' }] },
      billing,
    ),
    201,
  );
  const invoice = expectStatus(
    await bed.request<Invoice>(tenant, `POST /invoices/${draft.id}/issue`, undefined, billing),
    200,
  );
  const webhook = { transactionId: 'PSK-7781-2201', accountId, amount: '15000.00' };
  const first = expectStatus(
    await bed.request<{ id: string; provider: string }>(tenant, 'POST /webhook', webhook),
    200,
  );
  const again = expectStatus(await bed.request<{ id: string }>(tenant, 'POST /webhook', webhook), 200);
  expect(again.id).toBe(first.id);
  expect(first.provider).toBe('test.gateway');
  const paid = expectStatus(await bed.request<Invoice>(tenant, `GET /invoices/${invoice.id}`, undefined, billing), 200);
  expect([paid.status, paid.amountDue]).toEqual(['paid', '0.00']);
  const [{ n } = { n: 0 }] = await bed.query<{ n: number }>(
    'select count(*)::int as n from "plugin_dotmac_billing".payments',
  );
  expect(n).toBe(1);
});
