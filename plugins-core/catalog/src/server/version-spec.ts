// What a plan version sells and costs, and the rules the request schemas cannot state: which
// kinds take which billing cycles and specs, bursts above the speed, a fair-use policy exactly
// when there is a data cap, fees in the currencies of the prices. Pure: no context, no I/O.
import { type Amounts, amountsProblems, currenciesOf } from './money.ts';
import type { FieldProblem } from './refusals.ts';

/** What a plan sells. */
export type PlanKind = 'internet' | 'voice' | 'tv' | 'other' | 'addon' | 'one-off';
/** How often a price is charged. */
export type BillingCycle = 'monthly' | 'quarterly' | 'yearly' | 'one-off';
/** Charged before (prepaid) or after (postpaid) the cycle. */
export type Payment = 'prepaid' | 'postpaid';

/** What happens after an internet plan's data cap. */
export type FairUse =
  | { readonly policy: 'throttle'; readonly throttleKbps: number }
  | { readonly policy: 'overage'; readonly overagePricePerGb: Amounts };

/** An internet plan's specs, complete. */
export interface InternetSpec {
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly burstKbps: number | null;
  readonly burstThresholdKbps: number | null;
  readonly burstTimeSeconds: number | null;
  readonly priority: number;
  readonly dataCapGb: number | null;
  readonly fairUse: FairUse | null;
}

/**
 * Internet specs as a request gives them: the optional parts may be absent, and in a new
 * version so may the speeds (kept from the previous version); null clears an optional part.
 */
export interface InternetInput {
  readonly downloadKbps?: number;
  readonly uploadKbps?: number;
  readonly burstKbps?: number | null;
  readonly burstThresholdKbps?: number | null;
  readonly burstTimeSeconds?: number | null;
  readonly priority?: number;
  readonly dataCapGb?: number | null;
  readonly fairUse?: {
    readonly policy: 'throttle' | 'overage';
    readonly throttleKbps?: number;
    readonly overagePricePerGb?: Amounts;
  } | null;
}

/** What one version sells and costs. */
export interface VersionSpec {
  readonly prices: Amounts;
  readonly billingCycle: BillingCycle;
  readonly payment: Payment;
  readonly taxClass: string;
  readonly contractMonths: number;
  readonly earlyTerminationFee: Amounts;
  readonly internet: InternetSpec | null;
}

/** The version fields of a request body (schemas/new-plan.json, schemas/new-version.json). */
export interface SpecInput {
  readonly prices?: Amounts;
  readonly billingCycle?: BillingCycle;
  readonly payment?: Payment;
  readonly taxClass?: string;
  readonly contractMonths?: number;
  readonly earlyTerminationFee?: Amounts;
  readonly internet?: InternetInput;
}

/** The priority of an internet plan that names none: the lowest, best effort. */
export const DEFAULT_PRIORITY = 8;

/** A spec a request asks for, the fields it carried over, and what it lacks. */
export interface ResolvedSpec {
  readonly spec: VersionSpec;
  /** Fields taken whole from the previous version, so that problems with them can say so. */
  readonly carried: ReadonlySet<keyof VersionSpec>;
  /** Required fields neither the request nor the previous version gives. */
  readonly missing: readonly FieldProblem[];
}

/**
 * The spec a request asks for: its fields, and for those it leaves out the `previous` version's
 * (a new version) or the defaults (a first version, or a plan without a live version). Internet
 * specs merge field by field into the previous ones; prices and fees are replaced whole.
 */
export function resolveSpec(kind: PlanKind, input: SpecInput, previous: VersionSpec | undefined): ResolvedSpec {
  const carried = new Set<keyof VersionSpec>();
  const pick = <K extends keyof VersionSpec>(key: K, given: VersionSpec[K] | undefined, fallback: VersionSpec[K]) => {
    if (given !== undefined) return given;
    if (previous) {
      carried.add(key);
      return previous[key];
    }
    return fallback;
  };
  const contractMonths = pick('contractMonths', input.contractMonths, 0);
  // A fee carried over lapses with the contract term it belonged to.
  const earlyTerminationFee =
    input.earlyTerminationFee === undefined && contractMonths === 0
      ? {}
      : pick('earlyTerminationFee', input.earlyTerminationFee, {});
  const merged = input.internet && mergeInternet(input.internet, previous?.internet ?? null);
  const spec: VersionSpec = {
    prices: pick('prices', input.prices, {}),
    billingCycle: pick('billingCycle', input.billingCycle, kind === 'one-off' ? 'one-off' : 'monthly'),
    payment: pick('payment', input.payment, 'postpaid'),
    taxClass: pick('taxClass', input.taxClass, 'standard'),
    contractMonths,
    earlyTerminationFee,
    internet: pick('internet', merged?.spec, null),
  };
  return { spec, carried, missing: merged?.missing ?? [] };
}

/**
 * Internet specs from a request's, over `previous` field by field, else over the defaults
 * (optional parts null, priority 8). Clearing the cap clears its fair-use policy, and clearing
 * the burst its threshold and time, unless the request sets them.
 */
function mergeInternet(
  input: InternetInput,
  previous: InternetSpec | null,
): { readonly spec: InternetSpec; readonly missing: FieldProblem[] } {
  const value = <K extends keyof InternetSpec>(key: K, fallback: InternetSpec[K], lapses = false): InternetSpec[K] => {
    const given = input[key] as InternetSpec[K] | undefined;
    if (given !== undefined) return given;
    return previous && !lapses ? previous[key] : fallback;
  };
  const missing = (['downloadKbps', 'uploadKbps'] as const)
    .filter((key) => input[key] === undefined && previous === null)
    .map((key) => ({
      pointer: `/body/internet/${key}`,
      detail: 'is required: the plan has no internet specs to keep it from',
    }));
  const burstCleared = input.burstKbps === null;
  const spec: InternetSpec = {
    downloadKbps: value('downloadKbps', 0),
    uploadKbps: value('uploadKbps', 0),
    burstKbps: value('burstKbps', null),
    burstThresholdKbps: value('burstThresholdKbps', null, burstCleared),
    burstTimeSeconds: value('burstTimeSeconds', null, burstCleared),
    priority: value('priority', DEFAULT_PRIORITY),
    dataCapGb: value('dataCapGb', null),
    // Kept as given (both policies' fields, if sent) so that specProblems can name the stray one.
    fairUse: value('fairUse', null, input.dataCapGb === null) as FairUse | null,
  };
  return { spec, missing };
}

/**
 * Every problem of a resolved spec for a plan of `kind`, as pointers under /body;
 * `allowedCurrencies` is the tenant's list, when it restricts them.
 */
export function specProblems(
  kind: PlanKind,
  { spec, carried, missing }: ResolvedSpec,
  allowedCurrencies?: readonly string[],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (pointer: string, detail: string) => problems.push({ pointer: `/body${pointer}`, detail });
  const carriedNote = (key: keyof VersionSpec) =>
    carried.has(key) ? ' (carried over from the latest version: give it anew)' : '';

  if (Object.keys(spec.prices).length === 0) {
    problem('/prices', 'is required: a price in one currency or more');
  }
  problems.push(...amountsProblems(spec.prices, '/body/prices', allowedCurrencies));
  const currencies = currenciesOf(spec.prices);

  if (kind === 'one-off') {
    if (spec.billingCycle !== 'one-off') problem('/billingCycle', 'must be one-off: one-off items are charged once');
    if (spec.contractMonths !== 0) problem('/contractMonths', 'must be 0: one-off items have no contract term');
  } else if (spec.billingCycle === 'one-off') {
    problem(
      '/billingCycle',
      `must be monthly, quarterly or yearly: only one-off items are charged once, not ${kind} plans`,
    );
  }

  const fee = spec.earlyTerminationFee;
  if (Object.keys(fee).length > 0) {
    if (spec.contractMonths === 0) {
      problem('/earlyTerminationFee', 'needs a contract term: set contractMonths above 0, or leave the fee out');
    }
    problems.push(...amountsProblems(fee, '/body/earlyTerminationFee', allowedCurrencies));
    const mismatch = currencyMismatch(currencies, currenciesOf(fee));
    if (mismatch) problem('/earlyTerminationFee', `${mismatch}${carriedNote('earlyTerminationFee')}`);
  }

  if (kind === 'internet') {
    if (spec.internet === null)
      problem('/internet', 'is required for internet plans: at least downloadKbps and uploadKbps');
    else if (missing.length > 0) problems.push(...missing);
    else problems.push(...internetProblems(spec.internet, currencies, allowedCurrencies, carriedNote('internet')));
  } else if (spec.internet !== null) {
    problem('/internet', `only internet plans have internet specs, not ${kind} plans`);
  }
  return problems;
}

function internetProblems(
  internet: InternetSpec,
  currencies: readonly string[],
  allowedCurrencies: readonly string[] | undefined,
  carriedNote: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (pointer: string, detail: string) => problems.push({ pointer: `/body/internet${pointer}`, detail });
  const { downloadKbps, burstKbps, burstThresholdKbps, burstTimeSeconds, dataCapGb, fairUse } = internet;

  if (burstKbps !== null && burstKbps <= downloadKbps) {
    problem('/burstKbps', `must be above downloadKbps (${downloadKbps}): bursting is faster than the plan's speed`);
  }
  for (const [field, value] of [
    ['burstThresholdKbps', burstThresholdKbps],
    ['burstTimeSeconds', burstTimeSeconds],
  ] as const) {
    if (value !== null && burstKbps === null) problem(`/${field}`, 'only with burstKbps');
  }
  if (burstThresholdKbps !== null && burstThresholdKbps >= downloadKbps) {
    problem('/burstThresholdKbps', `must be below downloadKbps (${downloadKbps})`);
  }

  if (dataCapGb === null) {
    if (fairUse !== null) problem('/fairUse', 'only with a data cap: set dataCapGb, or leave fairUse out');
    return problems;
  }
  if (fairUse === null) {
    problem(
      '/fairUse',
      'is required with a data cap: policy throttle (with throttleKbps) or overage (with overagePricePerGb)',
    );
    return problems;
  }
  const given = fairUse as { throttleKbps?: number; overagePricePerGb?: Amounts };
  if (fairUse.policy === 'throttle') {
    if (given.overagePricePerGb !== undefined) problem('/fairUse/overagePricePerGb', 'only with the overage policy');
    if (given.throttleKbps === undefined) problem('/fairUse/throttleKbps', 'is required for the throttle policy');
    else if (given.throttleKbps >= downloadKbps) {
      problem('/fairUse/throttleKbps', `must be below downloadKbps (${downloadKbps}): throttling slows down`);
    }
  } else {
    if (given.throttleKbps !== undefined) problem('/fairUse/throttleKbps', 'only with the throttle policy');
    const overage = given.overagePricePerGb;
    if (overage === undefined) problem('/fairUse/overagePricePerGb', 'is required for the overage policy');
    else {
      problems.push(...amountsProblems(overage, '/body/internet/fairUse/overagePricePerGb', allowedCurrencies));
      const mismatch = currencyMismatch(currencies, currenciesOf(overage));
      if (mismatch) problem('/fairUse/overagePricePerGb', `${mismatch}${carriedNote}`);
    }
  }
  return problems;
}

/** Why `given` does not hold exactly the currencies of the prices, or undefined when it does. */
function currencyMismatch(prices: readonly string[], given: readonly string[]): string | undefined {
  const missing = prices.filter((c) => !given.includes(c));
  const extra = given.filter((c) => !prices.includes(c));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const parts = [
    ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length ? [`${extra.join(', ')} is not a currency of prices`] : []),
  ];
  return `must have an amount in each currency of prices (${prices.join(', ') || 'none'}): ${parts.join('; ')}`;
}
