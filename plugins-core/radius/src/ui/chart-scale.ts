// The value axis of the usage chart: a round top and evenly spaced ticks (1, 2 or 5 × 10^n bytes).

/** Ticks from 0 up to a round top holding `max`, about `count` of them. */
export function ticksFor(max: number, count = 4): number[] {
  if (max <= 0) return [0];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(tick);
  return ticks;
}
