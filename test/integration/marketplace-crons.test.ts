// A plugin installed from a file while the kernel runs workers gets its cron jobs scheduled on
// the real queue (BullMQ on Redis), and uninstalling it takes them off again.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capabilitySummary, generateKeyPair, Kernel, readPackage, signPackage } from '@dotmac/kernel';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packPlugin } from '../../sdk/src/cli/pack.ts';
import { testConfig } from '../support/kernel.ts';
import { createTestDatabase, deleteQueueKeys, TEST_REDIS_URL, uniqueQueuePrefix } from '../support/services.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const PLUGIN = 'contrib.outage-notices';
const CRON_QUEUE = `plugin.${PLUGIN}.expire-notices.cron`;
const ADMIN_TOKEN = 'marketplace-crons-admin-token-01234';
const signer = { publisher: 'dotmac-contrib', ...generateKeyPair() };
const prefix = uniqueQueuePrefix();

let kernel: Kernel;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dirs: string[];
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  database = await createTestDatabase();
  dirs = [mkdtempSync(join(tmpdir(), 'dotmac-crons-data-')), mkdtempSync(join(tmpdir(), 'dotmac-crons-pack-'))];
  kernel = await Kernel.boot({
    config: testConfig({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: dirs[0] as string,
      ADMIN_TOKEN,
      PLUGIN_TRUSTED_KEYS: JSON.stringify([{ publisher: signer.publisher, publicKey: signer.publicKey }]),
    }),
    pluginRoots: [],
  });
  await kernel.start();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(CRON_QUEUE, { connection: redis, prefix });
}, 120_000);

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await kernel?.stop();
  await database?.drop();
  await deleteQueueKeys(prefix);
  for (const dir of dirs ?? []) rmSync(dir, { recursive: true, force: true });
});

const schedulers = async () => (await queue.getJobSchedulers()).map((s) => `${s.key} ${s.pattern}`);

test('installing schedules the plugin’s cron jobs; uninstalling unschedules them', async () => {
  const { file } = await packPlugin(join(REPOSITORY, 'plugins-contrib', 'outage-notices'), dirs[1]);
  const signed = await signPackage(await readFile(file), signer.privateKeyPem, signer.publisher);
  const approve = capabilitySummary((await readPackage(signed)).manifest).join('\n');
  expect(await schedulers()).toEqual([]);

  const res = await fetch(`${kernel.url}/api/v1/admin/installations/file?approve=${encodeURIComponent(approve)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/gzip' },
    body: new Uint8Array(signed),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(await schedulers()).toEqual([`${CRON_QUEUE} */15 * * * *`]);

  const removed = await fetch(`${kernel.url}/api/v1/admin/installations/${PLUGIN}?schema=drop`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(removed.status).toBe(204);
  expect(await schedulers()).toEqual([]);
});
