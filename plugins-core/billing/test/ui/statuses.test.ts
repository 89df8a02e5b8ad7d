// The invoice list's status filter offers exactly the statuses GET /invoices declares.
import { expect, test } from 'vitest';
import manifest from '../../plugin.json' with { type: 'json' };
import { INVOICE_STATUSES } from '../../src/ui/resources.ts';

interface ListQuery {
  readonly query: { readonly properties: { readonly status: { readonly enum: readonly string[] } } };
}

test('the status filter lists the statuses of GET /invoices, in order', () => {
  const route = manifest.capabilities.http.routes.find((r) => r.method === 'GET' && r.path === '/invoices');
  expect(route).toBeDefined();
  const declared = (route?.request as ListQuery | undefined)?.query.properties.status.enum;
  expect([...INVOICE_STATUSES]).toEqual(declared);
});
