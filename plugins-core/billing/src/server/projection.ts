// Billing's copy of the subscriptions it bills, kept from dotmac.subscriptions' events, and the
// charges a change mid-period causes: the credit for the unused part of the old plan and the new
// plan's remainder, the unused days of a cancelled period and an early-termination fee.
import type { PluginContext, PluginEvent } from '@dotmac/sdk';
import { billingDayOf } from './bill.ts';
import { addDays, type BillingCycle, type BillingDay, cycleContaining, utcDate } from './core/calendar.ts';
import { formatAmount, parseAmount } from './core/money.ts';
import { cancellation, planChange, prorate } from './core/proration.ts';
import { firstBillOn, type ServicePlan } from './schedule.ts';
import { readSettings, type Settings } from './settings.ts';
import { Work } from './work.ts';

/** The fields every subscription.* event carries. */
interface SubscriptionFacts {
  readonly subscriptionId: string;
  readonly accountId: string;
  readonly payerId: string;
  readonly currency: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'cancelled';
  readonly plan: ServicePlan & { readonly earlyTerminationFee?: string | null };
  readonly activatedAt: string | null;
  readonly scheduled?: boolean;
  readonly effectiveAt?: string;
  readonly from?: ServicePlan;
  readonly earlyTermination?: boolean;
  readonly earlyTerminationFee?: string | null;
}

/** A service row as the projection reads it. */
interface ServiceRow {
  readonly id: string;
  readonly plan: ServicePlan;
  readonly status: string;
  readonly activated_at: string | null;
  readonly next_bill_on: string | null;
  readonly billed_until: string | null;
  readonly bill_from: string | null;
  readonly event_at: string;
}

/** dotmac.customers.getAccount's answer, in part. */
interface CustomerAccount {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly currency: string;
}

/** Makes sure billing knows the paying account (its number and name come from dotmac.customers). */
export async function ensureAccount(ctx: PluginContext, payerId: string, now: string): Promise<void> {
  const [known] = await ctx.db.query('select 1 from accounts where id = $1', [payerId]);
  if (known) return;
  const account = await ctx.services.call<CustomerAccount>('dotmac.customers.getAccount', { accountId: payerId });
  await ctx.db.query(
    `insert into accounts (id, tenant_id, customer_id, number, name, currency, created_at, updated_at)
     values ($1::uuid, $2, $1::text, $3, $4, $5, $6, $6) on conflict (id) do nothing`,
    [payerId, ctx.tenantId, account.number, account.name, account.currency, now],
  );
}

/** Applies one subscription event to billing's copy; events older than the copy are ignored. */
export async function onSubscriptionEvent(ctx: PluginContext, event: PluginEvent): Promise<void> {
  const facts = event.payload as unknown as SubscriptionFacts;
  if (facts.scheduled) return; // the change is applied by the event that makes it happen
  await ensureAccount(ctx, facts.payerId, event.occurredAt);
  const [found] = await ctx.db.query<ServiceRow>(
    `select id, plan, status, activated_at, next_bill_on::text, billed_until::text, bill_from::text, event_at
       from services where id = $1`,
    [facts.subscriptionId],
  );
  const row = found && { ...found, activated_at: found.activated_at && new Date(found.activated_at).toISOString() };
  if (row && new Date(row.event_at) > new Date(event.occurredAt)) return;
  const [account] = await ctx.db.query<{ billing_day: number | null }>(
    'select billing_day from accounts where id = $1',
    [facts.payerId],
  );
  const billingDay = billingDayOf(account?.billing_day ?? null);
  const work = new Work();
  const at = facts.effectiveAt ?? event.occurredAt;
  let next: { next_bill_on: string | null; bill_from: string | null; ends_on: string | null } | undefined;

  if (event.name === 'subscription.activated' && facts.activatedAt) {
    next = {
      next_bill_on: firstBillOn(facts.plan, facts.activatedAt, billingDay),
      bill_from: utcDate(facts.activatedAt),
      ends_on: null,
    };
  }
  if (event.name === 'subscription.plan-changed' && row && row.activated_at && facts.from) {
    const terms = { billingDay, settings: await readSettings(ctx) };
    next = planChanged(ctx, work, facts, row, utcDate(at), event.id, terms);
  }
  if (event.name === 'subscription.cancelled' && row) {
    const terms = { billingDay, settings: await readSettings(ctx) };
    next = cancelled(ctx, work, facts, row, utcDate(at), event.id, terms);
  }

  work.add(
    `insert into services (id, tenant_id, customer_id, account_id, status, currency, plan, activated_at,
                           next_bill_on, bill_from, ends_on, event_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $12)
     on conflict (id) do update set status = excluded.status, plan = excluded.plan,
       activated_at = excluded.activated_at, event_at = excluded.event_at, updated_at = excluded.updated_at,
       next_bill_on = case when $13 then excluded.next_bill_on else services.next_bill_on end,
       bill_from = case when $13 then excluded.bill_from else services.bill_from end,
       ends_on = case when $13 then excluded.ends_on else services.ends_on end`,
    [
      facts.subscriptionId,
      ctx.tenantId,
      facts.payerId,
      facts.accountId,
      facts.status,
      facts.currency,
      JSON.stringify(facts.plan),
      facts.activatedAt,
      next?.next_bill_on ?? null,
      next?.bill_from ?? null,
      next?.ends_on ?? null,
      event.occurredAt,
      next !== undefined,
    ],
  );
  await work.commit(ctx);
}

type Schedule = { next_bill_on: string | null; bill_from: string | null; ends_on: string | null };

/** What a change is billed by: the payer's billing day and the tenant's settings, read once per event. */
interface Terms {
  readonly billingDay: BillingDay;
  readonly settings: Settings;
}

/** The charges of a plan change effective `on`, and the service's billing after it. */
function planChanged(
  ctx: PluginContext,
  work: Work,
  facts: SubscriptionFacts,
  row: ServiceRow,
  on: string,
  eventId: string,
  { billingDay, settings }: Terms,
): Schedule {
  const from = facts.from as ServicePlan;
  const to = facts.plan;
  const anchor = row.activated_at as string;
  const sameCycle = from.billingCycle === to.billingCycle && from.billingCycle !== 'one-off';
  if (!sameCycle || from.payment !== to.payment) {
    // A different cycle or payment: the old plan is settled to the change (its unused prepaid
    // days credited, its used postpaid days charged), and the new one is billed from then.
    settleTo(ctx, work, facts, { ...row, plan: from }, on, eventId, { billingDay, settings }, true);
    return { next_bill_on: firstBillOn(to, anchor, billingDay, on), bill_from: on, ends_on: null };
  }
  const cycle = cycleContaining(anchor, from.billingCycle as BillingCycle, billingDay, on);
  const { currency } = facts;
  if (from.payment === 'prepaid' && row.billed_until !== null && row.billed_until > on) {
    // The period is paid at the old price: credit its unused days, charge the new plan's.
    const change = planChange({
      oldPrice: parseAmount(from.price, currency),
      newPrice: parseAmount(to.price, currency),
      period: cycle,
      at: on,
      currency,
      mode: settings.roundingMode,
      method: settings.prorationMethod,
    });
    addCharge(
      work,
      ctx,
      facts,
      'proration',
      `${from.name}: unused days ${on} to ${addDays(cycle.end, -1)}`,
      formatAmount(change.credit, currency),
      from.taxClass,
      on,
      cycle.end,
      `${eventId}:credit`,
    );
    addCharge(
      work,
      ctx,
      facts,
      'proration',
      `${to.name}: ${on} to ${addDays(cycle.end, -1)}`,
      formatAmount(change.charge, currency),
      to.taxClass,
      on,
      cycle.end,
      `${eventId}:charge`,
    );
    return { next_bill_on: row.next_bill_on, bill_from: null, ends_on: null };
  }
  if (from.payment === 'postpaid' && settings.prorationMethod === 'by-day') {
    // Billed at the end of the period: the old plan's days so far now, the new plan's from the change on.
    const start = row.bill_from !== null && row.bill_from > cycle.start ? row.bill_from : cycle.start;
    if (start < on) {
      const used = formatAmount(
        prorate(parseAmount(from.price, currency), cycle, start, on, currency, settings.roundingMode, 'by-day'),
        currency,
      );
      addCharge(
        work,
        ctx,
        facts,
        'proration',
        `${from.name}: ${start} to ${addDays(on, -1)}`,
        used,
        from.taxClass,
        start,
        on,
        `${eventId}:used`,
      );
    }
    return { next_bill_on: row.next_bill_on, bill_from: on, ends_on: null };
  }
  return { next_bill_on: row.next_bill_on, bill_from: row.bill_from, ends_on: null };
}

/** A cancellation effective `on`: unused prepaid days credited, an early-termination fee charged. */
function cancelled(
  ctx: PluginContext,
  work: Work,
  facts: SubscriptionFacts,
  row: ServiceRow,
  on: string,
  eventId: string,
  terms: Terms,
): Schedule {
  const fee = facts.earlyTermination ? facts.earlyTerminationFee : null;
  if (fee && parseAmount(fee, facts.currency).greaterThan(0)) {
    addCharge(
      work,
      ctx,
      facts,
      'fee',
      `Early termination of ${facts.plan.name}`,
      fee,
      facts.plan.taxClass,
      null,
      null,
      `${eventId}:fee`,
    );
  }
  return settleTo(ctx, work, facts, row, on, eventId, terms);
}

/** Ends the service's billing on `on`: a prepaid period paid beyond it is credited; a postpaid one is billed to it. */
function settleTo(
  ctx: PluginContext,
  work: Work,
  facts: SubscriptionFacts,
  row: ServiceRow,
  on: string,
  eventId: string,
  { billingDay, settings }: Terms,
  chargeUsedDays = false,
): Schedule {
  const plan = row.plan;
  if (row.activated_at === null || plan.billingCycle === 'one-off')
    return { next_bill_on: null, bill_from: null, ends_on: on };
  if (plan.payment === 'prepaid') {
    if (row.billed_until !== null && row.billed_until > on) {
      const cycle = cycleContaining(row.activated_at, plan.billingCycle, billingDay, on);
      const { credit } = cancellation({
        price: parseAmount(plan.price, facts.currency),
        period: cycle,
        at: on,
        currency: facts.currency,
        mode: settings.roundingMode,
        method: settings.prorationMethod,
      });
      if (!credit.isZero()) {
        addCharge(
          work,
          ctx,
          facts,
          'proration',
          `${plan.name}: unused days ${on} to ${addDays(row.billed_until, -1)}`,
          formatAmount(credit, facts.currency),
          plan.taxClass,
          on,
          row.billed_until,
          `${eventId}:unused`,
        );
      }
    }
    // Not yet billed up to `on` (cancelled in its first, unbilled days): bill the days it ran.
    const unbilled = row.billed_until === null || row.billed_until < on;
    return { next_bill_on: unbilled ? (row.next_bill_on ?? on) : null, bill_from: row.bill_from, ends_on: on };
  }
  if (chargeUsedDays) {
    // A plan change: the old postpaid plan's days so far are charged now; the new plan bills on.
    const cycle = cycleContaining(row.activated_at, plan.billingCycle, billingDay, addDays(on, -1));
    const start = row.bill_from !== null && row.bill_from > cycle.start ? row.bill_from : cycle.start;
    if (start < on) {
      const used = prorate(
        parseAmount(plan.price, facts.currency),
        cycle,
        start,
        on,
        facts.currency,
        settings.roundingMode,
        'by-day',
      );
      addCharge(
        work,
        ctx,
        facts,
        'proration',
        `${plan.name}: ${start} to ${addDays(on, -1)}`,
        formatAmount(used, facts.currency),
        plan.taxClass,
        start,
        on,
        `${eventId}:used`,
      );
    }
  }
  return { next_bill_on: on, bill_from: row.bill_from, ends_on: on };
}

function addCharge(
  work: Work,
  ctx: PluginContext,
  facts: SubscriptionFacts,
  kind: 'proration' | 'fee',
  description: string,
  amount: string,
  taxClass: string | null,
  periodStart: string | null,
  periodEnd: string | null,
  sourceKey: string,
): void {
  work.add(
    `insert into charges (tenant_id, customer_id, service_id, kind, description, quantity, unit_price, tax_class,
                          period_start, period_end, source_key, created_at)
     values ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, now())
     on conflict (tenant_id, source_key) where source_key is not null do nothing`,
    [
      ctx.tenantId,
      facts.payerId,
      facts.subscriptionId,
      kind,
      description,
      amount,
      taxClass,
      periodStart,
      periodEnd,
      sourceKey,
    ],
  );
}
