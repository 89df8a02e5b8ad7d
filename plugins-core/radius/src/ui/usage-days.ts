// A cycle's usage as the chart draws it: one entry per day of the span (days without traffic
// are zero), download and upload apart where accounting kept them apart.
import type { DaySpan } from './billing-cycle.ts';
import { daysOf } from './billing-cycle.ts';

/** A day of GET /usage. */
export interface UsageDay {
  readonly subscriptionId: string;
  readonly day: string;
  readonly bytes: string;
  readonly downloadBytes: string | null;
  readonly uploadBytes: string | null;
}

/** One day of the chart; `unsplit` is the part whose direction is unknown (days counted before it was kept). */
export interface DayBar {
  readonly day: string;
  readonly download: number;
  readonly upload: number;
  readonly unsplit: number;
  readonly total: number;
}

/** Sums `items` (of one subscription, or every one of the customer's) per day of `span`. */
export function dayBars(items: readonly UsageDay[], span: DaySpan): DayBar[] {
  const byDay = new Map<string, { download: number; upload: number; unsplit: number }>();
  for (const item of items) {
    const sums = byDay.get(item.day) ?? { download: 0, upload: 0, unsplit: 0 };
    if (item.downloadBytes === null || item.uploadBytes === null) sums.unsplit += Number(item.bytes);
    else {
      sums.download += Number(item.downloadBytes);
      sums.upload += Number(item.uploadBytes);
    }
    byDay.set(item.day, sums);
  }
  return daysOf(span).map((day) => {
    const sums = byDay.get(day) ?? { download: 0, upload: 0, unsplit: 0 };
    return { day, ...sums, total: sums.download + sums.upload + sums.unsplit };
  });
}

/** The totals of `bars`. */
export function totalsOf(bars: readonly DayBar[]) {
  return bars.reduce(
    (sum, bar) => ({
      download: sum.download + bar.download,
      upload: sum.upload + bar.upload,
      unsplit: sum.unsplit + bar.unsplit,
      total: sum.total + bar.total,
    }),
    { download: 0, upload: 0, unsplit: 0, total: 0 },
  );
}
