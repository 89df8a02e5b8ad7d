// Billing at scale without the minutes it would take to order and activate every subscription
// through the API: N paying accounts, each with one active prepaid monthly service due on `day`
// and one recurring add-on, written straight into dotmac.billing's schema exactly as its event
// projection writes them (the rows a billing run reads). Used by the billing bench and by the
// killed-worker test.
import { pluginDbNames } from '@dotmac/kernel';

/** What the seeding needs of a database: one statement at a time, as the kernel (no row security). */
export interface SeedDb {
  query(sql: string, params?: readonly unknown[]): Promise<unknown>;
}

/** The billing config the seeded tenant runs with: one tax on the plan and the add-on. */
export const SEEDED_BILLING_CONFIG = {
  taxRates: [
    {
      code: 'VAT',
      name: 'VAT',
      rate: '7.5',
      inclusive: false,
      compound: false,
      taxClasses: ['standard'],
      regions: [],
      priority: 1,
    },
  ],
  paymentTermsDays: 14,
};

/** The plan every seeded service is on. */
export const SEEDED_PLAN = {
  id: '00000000-0000-4000-8000-000000000020',
  code: 'FIBRE-20',
  name: 'Fibre 20',
  kind: 'internet',
  version: 1,
  price: '25.00',
  billingCycle: 'monthly',
  payment: 'prepaid',
  taxClass: 'standard',
  internet: { downloadKbps: 20000, uploadKbps: 5000, dataCapGb: null, fairUse: null },
};

const schema = () => `"${pluginDbNames('dotmac.billing').schema}"`;

/**
 * Seeds `count` accounts in `tenantId`, each with one service on SEEDED_PLAN activated on the
 * 1st of the month before `day` (a full month due on `day`, anniversary billing) and a static-IP
 * add-on at 5.00. Every invoice a run makes has a plan line, an add-on line and one tax.
 */
export async function seedBillingServices(db: SeedDb, tenantId: string, count: number, day: string): Promise<void> {
  const s = schema();
  const activated = `${day}T00:00:00Z`;
  await db.query(
    `insert into ${s}.accounts (id, tenant_id, customer_id, number, name, currency, created_at, updated_at)
     select id, $1, id::text, lpad(g::text, 7, '0'), 'Customer ' || g, 'USD', now(), now()
       from (select g, gen_random_uuid() as id from generate_series(1, $2::int) g) a`,
    [tenantId, count],
  );
  await db.query(
    `insert into ${s}.services (id, tenant_id, customer_id, account_id, status, currency, plan, activated_at,
                                next_bill_on, event_at, updated_at)
     select gen_random_uuid(), $1, a.customer_id, a.id, 'active', 'USD', $2::jsonb,
            ($3::timestamptz - interval '1 month'), $4::date, now(), now()
       from ${s}.accounts a where a.tenant_id = $1`,
    [tenantId, JSON.stringify(SEEDED_PLAN), activated, day],
  );
  await db.query(
    `insert into ${s}.charges (tenant_id, customer_id, service_id, kind, description, quantity, unit_price, tax_class,
                               recurring, created_at)
     select $1, v.customer_id, v.id, 'addon', 'Static IP', 1, 5.00, 'standard', true, now()
       from ${s}.services v where v.tenant_id = $1`,
    [tenantId],
  );
  await db.query(`analyze ${s}.accounts`);
  await db.query(`analyze ${s}.services`);
  await db.query(`analyze ${s}.charges`);
}
