// Bytes as people read them on a usage screen: GB or MB, decimal (10^9, as data caps are sold).

const GB = 1_000_000_000;
const MB = 1_000_000;

/** `bytes` (a count, or the API's decimal string) as "12.34 GB" or "560.2 MB", in `locale`. */
export function formatBytes(bytes: number | string, locale?: string): string {
  const value = Number(bytes);
  if (value >= GB) {
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value / GB)} GB`;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: value >= 10 * MB ? 0 : 1 }).format(value / MB)} MB`;
}
