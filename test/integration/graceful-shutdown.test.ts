// SIGTERM: stop accepting, let requests in flight finish, close, exit 0.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stopProcess } from '../support/process.ts';
import { type ScaledSetup, scaledSetup } from '../support/scaled.ts';

let s: ScaledSetup;

beforeAll(async () => {
  s = await scaledSetup();
});

afterAll(async () => {
  await s?.dispose();
});

test('a request in flight when SIGTERM arrives completes, new connections are refused, and the process exits 0', async () => {
  const p = s.start('all');
  const url = await p.url();
  const inFlight = fetch(`${url}/test/slow?ms=2000`);
  await new Promise((r) => setTimeout(r, 300));
  const exit = stopProcess(p);
  await p.printed('shutting down');
  await new Promise((r) => setTimeout(r, 200));
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  const res = await inFlight;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true, pid: p.pid });
  expect(await exit).toBe(0);
  expect(p.stdout()).toContain('kernel stopped');
});
