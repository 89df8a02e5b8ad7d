// What the portal screens read besides invoices: the dashboard figures (outstanding, overdue,
// invoiced and received this month, per currency), the accounts with what each owes, and
// payments a page at a time with the customer they came from.
import { createTestbed, type Testbed } from '@dotmac/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEPENDENCIES, expectStatus, type Invoice, newKey, openAccount } from './support/world.ts';

interface Figures {
  readonly asOf: string;
  readonly monthStart: string;
  readonly currencies: readonly {
    readonly currency: string;
    readonly outstanding: string;
    readonly openInvoices: number;
    readonly overdue: string;
    readonly overdueInvoices: number;
    readonly invoicedThisMonth: string;
    readonly receivedThisMonth: string;
  }[];
}

interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

interface AccountBalance {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly currency: string;
  readonly openInvoices: string;
  readonly overdue: string;
  readonly credit: string;
  readonly balance: string;
}

interface Payment {
  readonly id: string;
  readonly accountId: string;
  readonly amount: string;
  readonly customer: { readonly name: string; readonly number: string };
}

let bed: Testbed;
let tenant: string;
const accounts = { ada: '', bob: '', chidi: '' };
const invoices = { ada: '', bob: '', chidi: '' };

/** A one-off invoice for `unitPrice`, drafted and issued now; answers its id. */
async function issue(accountId: string, unitPrice: string): Promise<string> {
  const draft = expectStatus(
    await bed.request<Invoice>(tenant, 'POST /invoices', {
      accountId,
      lines: [{ description: 'Installation', unitPrice }],
    }),
    201,
  );
  expectStatus(await bed.request(tenant, `POST /invoices/${draft.id}/issue`), 200);
  return draft.id;
}

async function pay(accountId: string, amount: string): Promise<Payment> {
  const paid = await bed.request<Payment>(tenant, 'POST /payments', {
    idempotencyKey: newKey(),
    accountId,
    amount,
    method: 'cash',
  });
  return expectStatus(paid, 201);
}

async function figures(): Promise<Figures> {
  return expectStatus(await bed.request<Figures>(tenant, 'GET /figures'), 200);
}

const inCurrency = (f: Figures, currency: string) => f.currencies.find((c) => c.currency === currency);

beforeAll(async () => {
  bed = await createTestbed({ with: DEPENDENCIES, clock: '2026-05-10T09:00:00.000Z' });
  tenant = await bed.tenant();
  accounts.ada = await openAccount(bed, tenant, 'USD', 'Ada Lovelace');
  accounts.bob = await openAccount(bed, tenant, 'USD', 'Bob Kahn');
  accounts.chidi = await openAccount(bed, tenant, 'NGN', 'Chidi Okafor');
  for (const id of Object.values(accounts)) expectStatus(await bed.request(tenant, `PATCH /accounts/${id}`, {}), 200);
}, 120_000);
afterAll(() => bed?.close());

describe('dashboard figures', () => {
  test('a tenant with nothing invoiced has no figures', async () => {
    const empty = await figures();
    expect(empty).toEqual({ asOf: '2026-05-10T09:00:00.000Z', monthStart: '2026-05-01', currencies: [] });
  });

  test('issued invoices are outstanding and invoiced this month, per currency', async () => {
    invoices.ada = await issue(accounts.ada, '100.00');
    invoices.bob = await issue(accounts.bob, '40.00');
    invoices.chidi = await issue(accounts.chidi, '5000.00');
    expect((await figures()).currencies).toEqual([
      {
        currency: 'NGN',
        outstanding: '5000.00',
        openInvoices: 1,
        overdue: '0.00',
        overdueInvoices: 0,
        invoicedThisMonth: '5000.00',
        receivedThisMonth: '0.00',
      },
      {
        currency: 'USD',
        outstanding: '140.00',
        openInvoices: 2,
        overdue: '0.00',
        overdueInvoices: 0,
        invoicedThisMonth: '140.00',
        receivedThisMonth: '0.00',
      },
    ]);
  });

  test('a payment is received this month and lowers what is outstanding; a credit note lowers what was invoiced', async () => {
    await pay(accounts.ada, '30.00');
    expectStatus(
      await bed.request(tenant, `POST /invoices/${invoices.bob}/credit-notes`, { reason: 'Installation not done' }),
      201,
    );
    expect(inCurrency(await figures(), 'USD')).toEqual({
      currency: 'USD',
      outstanding: '70.00',
      openInvoices: 1,
      overdue: '0.00',
      overdueInvoices: 0,
      invoicedThisMonth: '100.00',
      receivedThisMonth: '30.00',
    });
  });

  test('what is open past its due date is overdue; a new month starts its invoiced and received at zero', async () => {
    // Due 14 days after issue (the default terms): 24 May.
    bed.clock.set('2026-06-02T08:00:00.000Z');
    const june = await figures();
    expect(june.monthStart).toBe('2026-06-01');
    expect(inCurrency(june, 'USD')).toEqual({
      currency: 'USD',
      outstanding: '70.00',
      openInvoices: 1,
      overdue: '70.00',
      overdueInvoices: 1,
      invoicedThisMonth: '0.00',
      receivedThisMonth: '0.00',
    });
    expect(inCurrency(june, 'NGN')).toMatchObject({ overdue: '5000.00', overdueInvoices: 1 });
  });
});

describe('accounts with what they owe', () => {
  test('each account shows its open invoices, the overdue part, its credit and its balance', async () => {
    await pay(accounts.bob, '15.00'); // Bob's invoice is credited in full: this is credit.
    const page = expectStatus(await bed.request<Page<AccountBalance>>(tenant, 'GET /accounts'), 200);
    const byName = new Map(page.items.map((a) => [a.name, a]));
    expect(byName.get('Ada Lovelace')).toMatchObject({
      id: accounts.ada,
      currency: 'USD',
      openInvoices: '70.00',
      overdue: '70.00',
      credit: '0.00',
      balance: '70.00',
    });
    expect(byName.get('Bob Kahn')).toMatchObject({ openInvoices: '0.00', credit: '15.00', balance: '-15.00' });
    expect(page.nextCursor).toBeNull();
  });

  test('a list of those who owe leaves out an account in credit', async () => {
    const owing = expectStatus(await bed.request<Page<AccountBalance>>(tenant, 'GET /accounts?owing=true'), 200);
    expect(owing.items.map((a) => a.id).sort()).toEqual([accounts.ada, accounts.chidi].sort());
  });

  test('the balance a list shows is the one the account itself shows (from the ledger)', async () => {
    const page = expectStatus(await bed.request<Page<AccountBalance>>(tenant, 'GET /accounts'), 200);
    for (const listed of page.items) {
      const account = expectStatus(await bed.request<{ balance: string }>(tenant, `GET /accounts/${listed.id}`), 200);
      expect(listed.balance, listed.name).toBe(account.balance);
    }
  });

  test('pages follow each other by account number, each account once', async () => {
    const seen: AccountBalance[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page: Page<AccountBalance> = expectStatus(
        await bed.request<Page<AccountBalance>>(tenant, `GET /accounts?limit=1${query}`),
        200,
      );
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((a) => a.id).sort()).toEqual(Object.values(accounts).sort());
    const numbers = seen.map((a) => a.number);
    expect(numbers).toEqual([...numbers].sort());
  });

  test('a cursor this API did not give is refused, naming the cursor', async () => {
    const refused = await bed.request<{ errors: { pointer: string }[] }>(tenant, 'GET /accounts?cursor=abcdef');
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e) => e.pointer)).toEqual(['/query/cursor']);
  });
});

describe('payments a page at a time', () => {
  test('pages walk every payment newest first, each naming its customer', async () => {
    bed.clock.advance(60_000);
    const latest = await pay(accounts.chidi, '1000.00');
    const first = expectStatus(await bed.request<Page<Payment>>(tenant, 'GET /payments?limit=2'), 200);
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({
      id: latest.id,
      amount: '1000.00',
      customer: { name: 'Chidi Okafor', number: expect.any(String) },
    });
    expect(first.nextCursor).not.toBeNull();
    const rest = expectStatus(
      await bed.request<Page<Payment>>(tenant, `GET /payments?limit=2&cursor=${first.nextCursor}`),
      200,
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const all = [...first.items, ...rest.items];
    expect(new Set(all.map((p) => p.id)).size).toBe(3);
    expect(all.map((p) => p.customer.name)).toEqual(['Chidi Okafor', 'Bob Kahn', 'Ada Lovelace']);
  });

  test("an account's payments are its own only", async () => {
    const adas = expectStatus(await bed.request<Page<Payment>>(tenant, `GET /payments?accountId=${accounts.ada}`), 200);
    expect(adas.items.map((p) => [p.accountId, p.amount])).toEqual([[accounts.ada, '30.00']]);
  });
});
