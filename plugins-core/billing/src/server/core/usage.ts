// Charges for metered data. Usage is counted in decimal gigabytes: 1 GB = 10^9 bytes, as ISPs
// sell it (not GiB, 2^30 bytes).
import { Decimal, type RoundingMode, roundMoneySymmetric } from './money.ts';

/** A price tier: usage up to and including `upTo` GB (null: no limit) at `price` per GB. */
export interface UsageTier {
  readonly upTo: string | null;
  readonly price: string;
}

/**
 * How usage is priced. 'overage': GB beyond `includedGb` at `pricePerGb`. 'tiered' (graduated):
 * each tier's GB at that tier's price. 'volume': all GB at the price of the tier the total falls in.
 */
export type Pricing =
  | { readonly kind: 'overage'; readonly includedGb: string; readonly pricePerGb: string; readonly unit?: 'gb' }
  | { readonly kind: 'tiered'; readonly tiers: readonly UsageTier[] }
  | { readonly kind: 'volume'; readonly tiers: readonly UsageTier[] };

/** What usage costs: the GB charged for, the amount rounded once, and a line description. */
export interface UsageCharge {
  /** GB charged for: those beyond the allowance for 'overage', all of them otherwise. */
  readonly quantity: Decimal;
  readonly amount: Decimal;
  readonly description: string;
}

const BYTES_PER_GB = new Decimal(10).pow(9);
const BYTES = /^(0|[1-9][0-9]*)$/;
const QUANTITY = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,9})?$/;
const PRICE = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$/;

/** `bytes` (a non-negative integer string, as counters report it) in decimal GB, exactly: '1500000000' is '1.5'. */
export function bytesToGb(bytes: string): string {
  if (!BYTES.test(bytes)) throw new RangeError(`"${bytes}" is not a count of bytes`);
  return new Decimal(bytes).dividedBy(BYTES_PER_GB).toString();
}

function decimal(text: string, pattern: RegExp, what: string): Decimal {
  if (!pattern.test(text)) throw new RangeError(`${what} "${text}" is not a non-negative decimal like 12.5`);
  return new Decimal(text);
}

interface Tier {
  readonly upTo: Decimal | null;
  readonly price: Decimal;
  /** The price as the tenant wrote it ('0.50'), for descriptions. */
  readonly written: string;
}

function tiersOf(tiers: readonly UsageTier[]): Tier[] {
  if (tiers.length === 0) throw new RangeError('usage pricing has no tiers');
  let previous = new Decimal(0);
  return tiers.map((tier, i) => {
    const price = decimal(tier.price, PRICE, 'tier price');
    if (tier.upTo === null) {
      if (i !== tiers.length - 1) throw new RangeError('only the last usage tier may be without a limit (upTo: null)');
      return { upTo: null, price, written: tier.price };
    }
    const upTo = decimal(tier.upTo, QUANTITY, 'tier limit');
    if (!upTo.greaterThan(previous))
      throw new RangeError(`usage tier limits must rise: ${tier.upTo} GB follows ${previous} GB`);
    previous = upTo;
    return { upTo, price, written: tier.price };
  });
}

function beyondLastTier(used: Decimal, tiers: readonly Tier[]): RangeError {
  const last = tiers[tiers.length - 1]?.upTo;
  return new RangeError(`usage of ${used} GB is beyond the last tier (${last} GB); end the tiers with upTo: null`);
}

/** What `usedGb` (decimal GB, e.g. from `bytesToGb`) costs under `pricing`, rounded once by `mode`. */
export function usageCharge(pricing: Pricing, usedGb: string, currency: string, mode: RoundingMode): UsageCharge {
  const used = decimal(usedGb, QUANTITY, 'usage');
  const charge = (quantity: Decimal, exact: Decimal, description: string): UsageCharge => ({
    quantity,
    amount: roundMoneySymmetric(exact, currency, mode),
    description,
  });
  if (pricing.kind === 'overage') {
    const included = decimal(pricing.includedGb, QUANTITY, 'included GB');
    const price = decimal(pricing.pricePerGb, PRICE, 'price per GB');
    const over = Decimal.max(0, used.minus(included));
    return charge(
      over,
      over.times(price),
      `${over} GB over the ${pricing.includedGb} GB included, at ${pricing.pricePerGb} per GB`,
    );
  }
  const tiers = tiersOf(pricing.tiers);
  if (pricing.kind === 'volume') {
    const tier = tiers.find(({ upTo }) => upTo === null || used.lessThanOrEqualTo(upTo));
    if (!tier) throw beyondLastTier(used, tiers);
    return charge(used, used.times(tier.price), `${used} GB at ${tier.written} per GB`);
  }
  let exact = new Decimal(0);
  let from = new Decimal(0);
  const parts: string[] = [];
  for (const { upTo, price, written } of tiers) {
    if (!used.greaterThan(from)) break;
    const inTier = Decimal.min(used, upTo ?? used).minus(from);
    exact = exact.plus(inTier.times(price));
    parts.push(`${inTier} GB at ${written}`);
    from = upTo ?? used;
  }
  if (used.greaterThan(from)) throw beyondLastTier(used, tiers);
  return charge(used, exact, parts.length === 0 ? `${used} GB` : `${used} GB: ${parts.join(', ')} per GB`);
}
