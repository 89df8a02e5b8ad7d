// What one payer is invoiced on a billing day: pure, over the rows a billing run reads. Each due
// service is billed for every stretch up to the day (catching up missed periods), with its
// add-ons, usage over its cap, the account's open one-off charges and its coupons; then the
// invoice is computed (discounts, taxes, rounding) and the account's credit applied.
import { addDays, type BillingDay, daysBetween, type Period, periodContaining, utcDate } from './core/calendar.ts';
import type { Discount } from './core/discounts.ts';
import { type ComputedInvoice, computeInvoice, type LineInput } from './core/invoice.ts';
import { Decimal, formatAmount, parseAmount } from './core/money.ts';
import { prorate } from './core/proration.ts';
import { bytesToGb, type Pricing, usageCharge } from './core/usage.ts';
import { billOnce, type ServicePlan } from './schedule.ts';
import type { Settings } from './settings.ts';

/** At most this many periods are caught up for one service on one billing day. */
const MAX_CATCH_UP = 36;

export interface PayerAccount {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly resellerId: string | null;
  readonly currency: string;
  readonly billingDay: number | null;
  readonly taxCountry: string | null;
  readonly taxRegion: string | null;
  readonly taxExemption: string | null;
  /** Unallocated customer credit, a decimal string. */
  readonly credit: string;
  /** Prepaid wallet: its services run while its credit covers their invoices. */
  readonly prepaidWallet: boolean;
}

export interface PayerService {
  readonly id: string;
  readonly plan: ServicePlan;
  readonly activatedAt: string;
  readonly nextBillOn: string | null;
  readonly billFrom: string | null;
  readonly endsOn: string | null;
}

export interface PayerCharge {
  readonly id: string;
  readonly serviceId: string | null;
  readonly kind: LineInput['kind'] | 'addon';
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
  readonly taxClass: string | null;
  readonly recurring: boolean;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
}

export interface PayerCoupon {
  readonly id: string;
  readonly code: string;
  readonly discount: Omit<Discount, 'code'>;
  readonly cycles: number | null;
  readonly appliedCycles: number;
}

export interface PayerUsage {
  readonly serviceId: string;
  readonly day: string;
  readonly bytes: string;
}

/** Everything a run reads about one payer. */
export interface PayerInput {
  readonly account: PayerAccount;
  readonly services: readonly PayerService[];
  readonly charges: readonly PayerCharge[];
  readonly coupons: readonly PayerCoupon[];
  readonly usage: readonly PayerUsage[];
}

/** The invoice of one payer on one billing day, and what it changes. */
export interface PayerBill {
  readonly accountId: string;
  readonly lines: readonly LineInput[];
  readonly invoice: ComputedInvoice;
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
  /** Unique per payer and what is billed: a repeat of the same work is refused by the database. */
  readonly cycleKey: string;
  readonly services: readonly {
    readonly id: string;
    readonly nextBillOn: string | null;
    readonly billedUntil: string | null;
  }[];
  readonly closedCharges: readonly string[];
  readonly couponsApplied: readonly string[];
  /** Customer credit applied to the invoice. */
  readonly creditApplied: string;
}

export const billingDayOf = (day: number | null): BillingDay =>
  day === null ? { kind: 'anniversary' } : { kind: 'fixed', day };

const dateRange = (from: string, to: string) => `${from} to ${addDays(to, -1)}`;

/** The usage pricing of a plan: the tenant's for its code, else the plan's own fair-use overage. */
function pricingOf(plan: ServicePlan, currency: string, settings: Settings, months: number): Pricing | null {
  const configured = settings.usagePricing[plan.code];
  if (configured) return configured;
  const internet = plan.internet;
  const price = internet?.fairUse?.policy === 'overage' ? internet.fairUse.overagePricePerGb?.[currency] : undefined;
  if (!internet?.dataCapGb || price === undefined) return null;
  return { kind: 'overage', includedGb: String(internet.dataCapGb * months), pricePerGb: price };
}

const CYCLE_MONTHS = { monthly: 1, quarterly: 3, yearly: 12, 'one-off': 1 } as const;

/** The lines of one service for one billed stretch: its plan, its add-ons, and usage over its cap. */
function stretchLines(
  service: PayerService,
  cycle: Period,
  from: string,
  to: string,
  usagePeriod: Period | null,
  input: PayerInput,
  settings: Settings,
): LineInput[] {
  const { currency } = input.account;
  const full = from === cycle.start && to === cycle.end;
  const share = (price: string) =>
    formatAmount(
      prorate(parseAmount(price, currency), cycle, from, to, currency, settings.roundingMode, settings.prorationMethod),
      currency,
    );
  const period = { periodStart: from, periodEnd: to, subscriptionId: service.id };
  const lines: LineInput[] = [
    {
      kind: full ? 'recurring' : 'proration',
      description: `${service.plan.name}, ${dateRange(from, to)}${full ? '' : ` (${daysBetween(from, to)} of ${daysBetween(cycle.start, cycle.end)} days)`}`,
      quantity: '1',
      unitPrice: full ? service.plan.price : share(service.plan.price),
      taxClass: service.plan.taxClass,
      ...period,
    },
  ];
  for (const addon of input.charges) {
    if (!addon.recurring || addon.serviceId !== service.id) continue;
    lines.push({
      kind: full ? 'recurring' : 'proration',
      description: `${addon.description}, ${dateRange(from, to)}`,
      quantity: addon.quantity,
      unitPrice: full ? addon.unitPrice : share(addon.unitPrice),
      taxClass: addon.taxClass,
      ...period,
    });
  }
  const pricing = usagePeriod && pricingOf(service.plan, currency, settings, CYCLE_MONTHS[service.plan.billingCycle]);
  if (usagePeriod && pricing) {
    const bytes = input.usage
      .filter((u) => u.serviceId === service.id && u.day >= usagePeriod.start && u.day < usagePeriod.end)
      .reduce((total, u) => total.plus(u.bytes), new Decimal(0));
    const charge = usageCharge(pricing, bytesToGb(bytes.toFixed(0)).toString(), currency, settings.roundingMode);
    if (charge.amount.greaterThan(0)) {
      lines.push({
        kind: 'usage',
        description: `${service.plan.name}: ${charge.description}, ${dateRange(usagePeriod.start, usagePeriod.end)}`,
        quantity: '1',
        unitPrice: formatAmount(charge.amount, currency),
        taxClass: service.plan.taxClass,
        periodStart: usagePeriod.start,
        periodEnd: usagePeriod.end,
        subscriptionId: service.id,
      });
    }
  }
  return lines;
}

/**
 * The invoice `input`'s payer gets on billing day `day`, or null when nothing is due. Services
 * are billed for every stretch due by `day`; prepaid usage is billed for the period before the
 * one invoiced, postpaid usage with its period.
 */
export function billPayer(input: PayerInput, settings: Settings, day: string): PayerBill | null {
  const { account } = input;
  const billingDay = billingDayOf(account.billingDay);
  const lines: LineInput[] = [];
  const services: { id: string; nextBillOn: string | null; billedUntil: string | null }[] = [];
  let periodStart = null as string | null;
  let periodEnd = null as string | null;
  for (const service of input.services) {
    let state = { ...service, billingDay };
    let billedUntil: string | null = null;
    let billed = false;
    for (let i = 0; i < MAX_CATCH_UP && state.nextBillOn !== null && state.nextBillOn <= day; i++) {
      const outcome = billOnce(state);
      if (outcome.stretch) {
        const { cycle, from, to } = outcome.stretch;
        const usagePeriod =
          service.plan.payment === 'postpaid' ? { start: from, end: to } : previousPeriod(from, service, billingDay);
        lines.push(...stretchLines(service, cycle, from, to, usagePeriod, input, settings));
        periodStart = periodStart === null || from < periodStart ? from : periodStart;
        periodEnd = periodEnd === null || to > periodEnd ? to : periodEnd;
      }
      billed = true;
      billedUntil = outcome.billedUntil ?? billedUntil;
      state = { ...state, nextBillOn: outcome.nextBillOn, billFrom: null };
    }
    if (billed) services.push({ id: service.id, nextBillOn: state.nextBillOn, billedUntil });
  }
  const oneOffs = input.charges.filter((c) => !c.recurring);
  for (const charge of oneOffs) {
    lines.push({
      kind: charge.kind === 'addon' ? 'one-off' : charge.kind,
      description: charge.description,
      quantity: charge.quantity,
      unitPrice: charge.unitPrice,
      taxClass: charge.taxClass,
      ...(charge.periodStart && { periodStart: charge.periodStart }),
      ...(charge.periodEnd && { periodEnd: charge.periodEnd }),
      ...(charge.serviceId && { subscriptionId: charge.serviceId }),
    });
  }
  if (services.length === 0 && oneOffs.length === 0) return null;
  const coupons = input.coupons.filter((c) => c.cycles === null || c.appliedCycles < c.cycles);
  const invoice = computeInvoice({
    currency: account.currency,
    roundingMode: settings.roundingMode,
    lines,
    discounts: coupons.map((c) => ({ ...c.discount, code: c.code })),
    taxRates: settings.taxRates,
    customer: {
      location: account.taxCountry
        ? { country: account.taxCountry, ...(account.taxRegion && { region: account.taxRegion }) }
        : settings.defaultTaxLocation,
      taxExemption: account.taxExemption,
    },
  });
  const total = new Decimal(invoice.total);
  const credit = new Decimal(account.credit);
  const creditApplied = total.greaterThan(0) ? Decimal.min(total, credit) : new Decimal(0);
  const cycleKey =
    services.length > 0
      ? `${account.id}:${day}:${services.map((s) => s.id).sort()[0]}`
      : `${account.id}:charges:${oneOffs.map((c) => c.id).sort()[0]}`;
  return {
    accountId: account.id,
    lines,
    invoice,
    periodStart,
    periodEnd,
    cycleKey,
    services,
    closedCharges: oneOffs.map((c) => c.id),
    couponsApplied: coupons.map((c) => c.id),
    creditApplied: formatAmount(creditApplied, account.currency),
  };
}

/** For a prepaid stretch starting `from`: the period before it (its usage is billed now), or null for the first. */
function previousPeriod(from: string, service: PayerService, billingDay: BillingDay): Period | null {
  const { billingCycle } = service.plan;
  if (billingCycle === 'one-off' || from <= utcDate(service.activatedAt)) return null;
  return periodContaining(service.activatedAt, billingCycle, billingDay, addDays(from, -1));
}
