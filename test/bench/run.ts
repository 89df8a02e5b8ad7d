// `npm run bench [-- <name> ...]`: runs test/bench/<name>.bench.ts (every suite when no name
// is given), prints each one's table and writes test/bench/results/<name>.json.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createScratchDatabase, Kernel, loadConfig } from '@dotmac/kernel';
import { Redis } from 'ioredis';
import { type BenchContext, type BenchDb, type BenchSuite, formatTable, writeReport } from './report.ts';

const BENCH_DIR = import.meta.dirname;
const RESULTS_DIR = join(BENCH_DIR, 'results');
const SUFFIX = '.bench.ts';

/** Undoes what a suite's context set up, newest first. */
type Cleanup = { readonly what: string; run(): Promise<void> };

function availableSuites(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

/** Deletes every Redis key under `prefix` (the bench's own queue prefix, unique per kernel). */
async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function createContext(db: BenchDb, cleanups: Cleanup[]): BenchContext {
  const { DATABASE_URL, REDIS_URL } = process.env;
  return {
    db,
    progress: (message) => process.stderr.write(`  ${message}\n`),
    async bootKernel(options = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), 'dotmac-bench-'));
      cleanups.push({ what: `remove ${dataDir}`, run: async () => rmSync(dataDir, { recursive: true, force: true }) });
      const env: Record<string, string | undefined> = {
        ...process.env,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
        HOST: '127.0.0.1',
        PORT: '0',
        RUN_WORKERS: 'true',
        DATA_DIR: dataDir,
      };
      if (DATABASE_URL) {
        const database = await createScratchDatabase(DATABASE_URL, 'dotmac_bench');
        cleanups.push({ what: 'drop the bench database', run: database.drop });
        env.DATABASE_URL = database.url;
      }
      if (REDIS_URL) {
        const prefix = `dotmac_bench_${randomBytes(6).toString('hex')}`;
        cleanups.push({ what: `delete Redis keys ${prefix}:*`, run: () => deleteQueueKeys(REDIS_URL, prefix) });
        env.QUEUE_PREFIX = prefix;
      }
      const kernel = await Kernel.boot({ config: loadConfig({ ...env, ...options.env }), modules: options.modules });
      cleanups.push({ what: 'stop the kernel', run: () => kernel.stop() });
      return kernel;
    },
  };
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (let c = cleanups.pop(); c; c = cleanups.pop()) {
    try {
      await c.run();
    } catch (e) {
      process.stderr.write(`bench cleanup failed: could not ${c.what} (${(e as Error).message})\n`);
    }
  }
}

async function loadSuite(name: string): Promise<BenchSuite> {
  const module = (await import(pathToFileURL(join(BENCH_DIR, `${name}${SUFFIX}`)).href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new Error(`test/bench/${name}${SUFFIX} must export a suite as default: export default defineBench(...)`);
  }
  return module.default as BenchSuite;
}

async function runSuite(name: string, db: BenchDb, cleanups: Cleanup[]): Promise<void> {
  const when = new Date().toISOString();
  process.stderr.write(`bench ${name} on ${db}\n`);
  const suite = await loadSuite(name);
  let results: Awaited<ReturnType<BenchSuite>>;
  try {
    results = await suite(createContext(db, cleanups));
  } finally {
    await runCleanups(cleanups);
  }
  const report = { bench: name, when, node: process.version, db, results };
  process.stdout.write(`\n${formatTable(report)}\n`);
  process.stdout.write(`written to ${writeReport(RESULTS_DIR, report)}\n\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const available = availableSuites();
  const unknown = argv.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(', ')}; available: ${available.join(', ') || '(none)'}\n`,
    );
    return 1;
  }
  const db: BenchDb = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
  const cleanups: Cleanup[] = [];
  // Ctrl-C still removes the bench's databases, Redis keys and temp folders.
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: cleaning up\n');
    void runCleanups(cleanups).finally(() => process.exit(130));
  });
  let failed = 0;
  for (const name of argv.length > 0 ? argv : available) {
    try {
      await runSuite(name, db, cleanups);
    } catch (e) {
      failed++;
      process.stderr.write(`bench ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

// Exits even if a library left a timer or socket behind: a benchmark must end.
process.exit(await main(process.argv.slice(2)));
