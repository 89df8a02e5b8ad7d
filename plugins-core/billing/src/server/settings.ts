// The tenant's billing settings: its plugin config (validated by the kernel against the
// manifest's config schema) with the defaults filled in.
import type { PluginContext } from '@dotmac/sdk';
import { DEFAULT_DUNNING_POLICY, type DunningPolicy } from './core/dunning.ts';
import type { RoundingMode } from './core/money.ts';
import type { ProrationMethod } from './core/proration.ts';
import type { TaxRate } from './core/tax.ts';
import type { Pricing } from './core/usage.ts';

/** The seller block of every document. */
export interface Seller {
  readonly name: string;
  readonly addressLines: readonly string[];
  readonly taxNumbers: readonly { readonly label: string; readonly value: string }[];
  readonly email?: string;
  readonly phone?: string;
  readonly logo?: { readonly type: 'png' | 'jpeg'; readonly base64: string };
}

export interface Settings {
  readonly roundingMode: RoundingMode;
  readonly prorationMethod: ProrationMethod;
  /** `{SEQ}` or `{SEQ:6}` for the sequence (zero-padded), `{YYYY}` for the year of issue. */
  readonly invoiceNumberFormat: string;
  readonly creditNoteNumberFormat: string;
  readonly paymentTermsDays: number;
  readonly taxRates: readonly TaxRate[];
  readonly defaultTaxLocation: { readonly country: string; readonly region?: string } | null;
  readonly dunning: DunningPolicy;
  /** Usage pricing by plan code; absent: the plan's own fair-use overage, if any. */
  readonly usagePricing: Readonly<Record<string, Pricing>>;
  readonly seller: Seller;
  readonly paymentInstructions: readonly string[];
  readonly locale: string;
  /** What a suspension by dunning does: the subscriber lands in a walled garden, or is rejected. */
  readonly suspensionMode: 'walled-garden' | 'reject';
}

type Config = Partial<Settings>;

/** The calling tenant's settings. */
export async function readSettings(ctx: PluginContext): Promise<Settings> {
  const config = await ctx.config.get<Config>();
  return {
    roundingMode: config.roundingMode ?? 'half-even',
    prorationMethod: config.prorationMethod ?? 'by-day',
    invoiceNumberFormat: config.invoiceNumberFormat ?? 'INV-{SEQ:6}',
    creditNoteNumberFormat: config.creditNoteNumberFormat ?? 'CN-{SEQ:6}',
    paymentTermsDays: config.paymentTermsDays ?? 14,
    taxRates: config.taxRates ?? [],
    defaultTaxLocation: config.defaultTaxLocation ?? null,
    dunning: config.dunning ?? DEFAULT_DUNNING_POLICY,
    usagePricing: config.usagePricing ?? {},
    seller: config.seller ?? { name: 'Your ISP', addressLines: [], taxNumbers: [] },
    paymentInstructions: config.paymentInstructions ?? [],
    locale: config.locale ?? 'en',
    suspensionMode: config.suspensionMode ?? 'walled-garden',
  };
}

/**
 * A number format split around its `{SEQ[:width]}` (the manifest's config schema requires exactly
 * one), with `{YYYY}` filled in from the issue date: the database writes prefix + the sequence
 * zero-padded to width + suffix, in the transaction that moves the sequence.
 */
export interface NumberParts {
  readonly prefix: string;
  readonly width: number;
  readonly suffix: string;
}

export function numberParts(format: string, issuedAt: string): NumberParts {
  const filled = format.replace(/\{YYYY\}/g, issuedAt.slice(0, 4));
  const match = /\{SEQ(?::(\d+))?\}/.exec(filled);
  if (!match) throw new Error(`number format "${format}" has no {SEQ}`);
  return {
    prefix: filled.slice(0, match.index),
    width: Number(match[1] ?? 0),
    suffix: filled.slice(match.index + match[0].length),
  };
}

/** The number `parts` give sequence value `seq` (what the SQL of numberSql writes). */
export function formatNumber(parts: NumberParts, seq: number): string {
  return `${parts.prefix}${String(seq).padStart(parts.width, '0')}${parts.suffix}`;
}

/** SQL writing the number of sequence value `seqSql`, with the parts bound at `$p`, `$w`, `$s`. */
export function numberSql(seqSql: string, prefix: string, width: string, suffix: string): string {
  return `${prefix} || lpad((${seqSql})::text, greatest(${width}::int, length((${seqSql})::text)), '0') || ${suffix}`;
}
