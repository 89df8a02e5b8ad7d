// The tenant's settings of this plugin (plugin.json's config schema), with their defaults, and
// how they shape account numbers.
import type { PluginContext } from '@dotmac/sdk';

/** The tenant's settings, defaults filled in. */
export interface Settings {
  /** Currency of a new account that names none (ISO 4217). */
  readonly defaultCurrency: string;
  /** Country of an imported address that names none (ISO 3166-1 alpha-2), if any. */
  readonly defaultCountry: string | null;
  /** What every generated account number starts with. */
  readonly accountNumberPrefix: string;
  /** Digits of a generated account number, zero-padded (6: 000042). */
  readonly accountNumberDigits: number;
}

export async function loadSettings(ctx: PluginContext): Promise<Settings> {
  const config = await ctx.config.get<Partial<Settings>>();
  return {
    defaultCurrency: config.defaultCurrency ?? 'USD',
    defaultCountry: config.defaultCountry ?? null,
    accountNumberPrefix: config.accountNumberPrefix ?? '',
    accountNumberDigits: config.accountNumberDigits ?? 6,
  };
}

/** Account number `n` of the counter, as the settings format it (prefix, zero-padded digits). */
export function formatAccountNumber(settings: Settings, n: number): string {
  return `${settings.accountNumberPrefix}${String(n).padStart(settings.accountNumberDigits, '0')}`;
}

/** SQL: the same, for the counter value `n` (an SQL expression); `$prefix` and `$digits` are parameters. */
export function accountNumberSql(n: string, prefix: string, digits: string): string {
  return `${prefix} || lpad(${n}::text, greatest(${digits}::int, length(${n}::text)), '0')`;
}

/**
 * The counter value a number written by hand (or imported) stands for, when it has the form
 * generated numbers have; the counter then moves past it, so that no generated number collides.
 */
export function counterValueOf(settings: Settings, number: string): number | undefined {
  if (!number.startsWith(settings.accountNumberPrefix)) return undefined;
  const digits = number.slice(settings.accountNumberPrefix.length);
  return /^[0-9]{1,15}$/.test(digits) ? Number(digits) : undefined;
}

/** SQL: the same, for number expression `number`, or null; `$prefix` is a parameter. */
export function counterValueSql(number: string, prefix: string): string {
  return `case when left(${number}, length(${prefix})) = ${prefix} and substr(${number}, length(${prefix}) + 1) ~ '^[0-9]{1,15}$'
               then substr(${number}, length(${prefix}) + 1)::bigint end`;
}
