// What a benchmark suite is and returns, and how its results are printed and written to
// test/bench/results/<name>.json. Shared by every suite; the runner (run.ts) uses it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernel, KernelModule } from '@dotmac/kernel';

/** Which database a run measured: a real PostgreSQL server (DATABASE_URL) or the embedded PGlite. */
export type BenchDb = 'postgresql' | 'pglite';

/** One figure a suite measured. A figure compared against another names it and gives the ratio. */
export interface BenchResult {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** What `value` is compared against, measured in the same run (e.g. "bare hono app, same run"). */
  readonly baseline?: string;
  /** value / baseline value. */
  readonly ratio?: number;
}

/** A figure measured in the same run that others are compared against. */
export interface Baseline {
  /** Says what was measured, e.g. "plain-table insert of the same rows, same database, same run". */
  readonly name: string;
  readonly value: number;
}

/** What the runner hands a suite: everything it may use, and nothing that outlives the suite. */
export interface BenchContext {
  /** The database this run measures: PostgreSQL when DATABASE_URL is set, PGlite otherwise. */
  readonly db: BenchDb;
  /**
   * Boots a kernel (not started) on a database, queue prefix and data folder of its own, never
   * existing data. HTTP on 127.0.0.1, an ephemeral port. The runner stops it and removes all of
   * that when the suite ends, whether it succeeded or not.
   */
  bootKernel(options?: { env?: Record<string, string>; modules?: readonly KernelModule[] }): Promise<Kernel>;
  /** Writes one line of progress to stderr (the table goes to stdout). */
  progress(message: string): void;
}

/** A benchmark suite: `test/bench/<name>.bench.ts` exports one as default. */
export type BenchSuite = (ctx: BenchContext) => Promise<readonly BenchResult[]>;

/** What test/bench/results/<name>.json holds. */
export interface BenchReport {
  readonly bench: string;
  readonly when: string;
  readonly node: string;
  readonly db: BenchDb;
  readonly results: readonly BenchResult[];
}

/** Declares a suite; typed identity, so a suite file reads like what it is. */
export function defineBench(suite: BenchSuite): BenchSuite {
  return suite;
}

/** A result, compared with `baseline` when given (ratio = value / baseline.value). */
export function figure(metric: string, value: number, unit: string, baseline?: Baseline): BenchResult {
  if (!Number.isFinite(value)) throw new Error(`benchmark figure ${metric} is not a finite number (${value})`);
  if (!baseline) return { metric, value: roundValue(value), unit };
  return {
    metric,
    value: roundValue(value),
    unit,
    baseline: baseline.name,
    ratio: Math.round((value / baseline.value) * 1000) / 1000,
  };
}

/** Per-second rate of `count` things done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}

/** Four significant digits, whole numbers from 1,000 up: more would be noise. */
function roundValue(value: number): number {
  return Math.abs(value) >= 1000 ? Math.round(value) : Number(value.toPrecision(4));
}

/** Writes `<dir>/<bench>.json` and returns its path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.bench}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/** The report as an aligned plain-text table, for the terminal. */
export function formatTable(report: BenchReport): string {
  const header = ['metric', 'value', 'unit', 'ratio', 'baseline'];
  const rows = report.results.map((r) => [
    r.metric,
    r.value.toLocaleString('en-US', { maximumFractionDigits: 3 }),
    r.unit,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(3)}x`,
    r.baseline ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const rightAligned = new Set([1, 3]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const title = `${report.bench} (${report.db}, node ${report.node}, ${report.when})`;
  return [title, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
