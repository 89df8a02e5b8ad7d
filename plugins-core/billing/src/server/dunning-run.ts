// The dunning job: for every invoice past its due date, the policy's steps that fell due are
// taken once each, in order, each as an event other plugins act on (a reminder sent by
// notifications, a suspension carried out by provisioning). One transaction per invoice: the
// step's log row, the invoice's steps and the events; a step already logged is never repeated.
import type { PluginContext } from '@dotmac/sdk';
import { dueSteps } from './core/dunning.ts';
import { Decimal } from './core/money.ts';
import { readSettings } from './settings.ts';
import { brokeConstraint, Work } from './work.ts';

/** Overdue invoices one run handles; the job enqueues itself for the rest. */
const BATCH = 200;

interface OverdueRow {
  readonly id: string;
  readonly number: string;
  readonly customer_id: string;
  readonly currency: string;
  readonly due_at: string;
  readonly open: string;
  readonly dunning_steps: string[];
  readonly promise_to_pay_until: string | null;
  readonly overdue_notified_at: string | null;
  readonly dunning_excluded: boolean;
}

const DAY_MS = 86_400_000;

/** One run of the dunning job over invoices after `after` (an invoice id). */
export async function runDunning(ctx: PluginContext, after: string | null): Promise<void> {
  const settings = await readSettings(ctx);
  const now = (await ctx.clock.now()).toISOString();
  const rows = await ctx.db.query<OverdueRow>(
    `select i.id::text, i.number, i.customer_id, i.currency, i.due_at, (i.total - i.amount_paid)::text as open,
            i.dunning_steps, i.promise_to_pay_until, i.overdue_notified_at, a.dunning_excluded
       from invoices i join accounts a on a.id::text = i.customer_id
      where i.kind = 'invoice' and i.status in ('issued', 'partially-paid') and i.due_at < $1 and i.id > $2
      order by i.id limit $3`,
    [now, after ?? '00000000-0000-0000-0000-000000000000', BATCH + 1],
  );
  for (const row of rows.slice(0, BATCH)) await dunOne(ctx, row, settings, now);
  const last = rows[BATCH - 1];
  if (rows.length > BATCH && last)
    await ctx.jobs.enqueue('dunning', { after: last.id }, { key: `dunning-${now}-${last.id}` });
}

async function dunOne(
  ctx: PluginContext,
  row: OverdueRow,
  settings: Awaited<ReturnType<typeof readSettings>>,
  now: string,
): Promise<void> {
  const dueAt = new Date(row.due_at).toISOString();
  const steps = dueSteps(
    settings.dunning,
    {
      invoiceId: row.id,
      accountId: row.customer_id,
      dueAt,
      openAmount: new Decimal(row.open).toFixed(),
      stepsDone: row.dunning_steps,
      promiseToPayUntil: row.promise_to_pay_until ? new Date(row.promise_to_pay_until).toISOString() : null,
      excluded: row.dunning_excluded,
    },
    now,
  );
  const work = new Work();
  const daysOverdue = Math.floor((Date.parse(now) - Date.parse(dueAt)) / DAY_MS);
  const facts = {
    invoiceId: row.id,
    number: row.number,
    accountId: row.customer_id,
    currency: row.currency,
    amountDue: new Decimal(row.open).toFixed(),
    dueAt,
  };
  if (row.overdue_notified_at === null && !row.dunning_excluded) {
    work.add('update invoices set overdue_notified_at = $2 where id = $1 and overdue_notified_at is null', [
      row.id,
      now,
    ]);
    work.publish('invoice.overdue', { ...facts, daysOverdue });
  }
  if (steps.length > 0) {
    const services = steps.some((s) => s.action !== 'remind')
      ? await ctx.db.query<{ id: string }>(
          "select id::text from services where customer_id = $1 and status in ('active', 'suspended') order by id",
          [row.customer_id],
        )
      : [];
    for (const step of steps) {
      work.add(
        'insert into dunning_log (tenant_id, customer_id, invoice_id, step, action, at) values ($1, $2, $3, $4, $5, $6)',
        [ctx.tenantId, row.customer_id, row.id, step.name, step.action, now],
      );
      work.publish('dunning.step', { ...facts, step: step.name, action: step.action, daysOverdue });
      if (step.action === 'suspend') {
        work.publish('service.suspension-requested', {
          accountId: row.customer_id,
          subscriptionIds: services.map((s) => s.id),
          invoiceIds: [row.id],
          mode: settings.suspensionMode,
          requestedAt: now,
        });
      }
      if (step.action === 'terminate') {
        work.publish('service.termination-requested', {
          accountId: row.customer_id,
          subscriptionIds: services.map((s) => s.id),
          invoiceIds: [row.id],
          requestedAt: now,
        });
      }
    }
    work.add('update invoices set dunning_steps = dunning_steps || $2::text[], updated_at = $3 where id = $1', [
      row.id,
      steps.map((s) => s.name),
      now,
    ]);
  }
  try {
    await work.commit(ctx);
  } catch (e) {
    // Another run took these steps first: they are not taken twice.
    if (!brokeConstraint(e, 'dunning_log_pkey')) throw e;
  }
}
