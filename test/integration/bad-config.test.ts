// A bad configuration stops the boot with one line per bad key, before touching anything.
import { expect, test } from 'vitest';
import { MAIN, startKernelProcess, WORKER } from '../support/process.ts';

test('PORT=abc stops the boot with a message naming PORT and exit code 78', async () => {
  const p = startKernelProcess(MAIN, { env: { PORT: 'abc' } });
  expect(await p.exited).toBe(78);
  expect(p.stderr()).toContain('PORT: must be integer (got "abc")');
});

test('DATABASE_URL=notaurl stops the boot naming DATABASE_URL', async () => {
  const p = startKernelProcess(MAIN, { env: { DATABASE_URL: 'notaurl' } });
  expect(await p.exited).toBe(78);
  expect(p.stderr()).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL (got "notaurl")');
});

test('several bad keys are reported together, one line each', async () => {
  const p = startKernelProcess(MAIN, { env: { PORT: '99999', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' } });
  expect(await p.exited).toBe(78);
  const keys = p
    .stderr()
    .split('\n')
    .filter((l) => l.trim().startsWith('- '))
    .map((l) => l.trim().slice(2).split(':')[0]);
  expect(keys.sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
  expect(p.stderr()).toContain('PORT: must be <= 65535');
  expect(p.stderr()).toContain('LOG_LEVEL: must be one of');
  expect(p.stderr()).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
});

test('npm run worker without DATABASE_URL and REDIS_URL explains what it needs', async () => {
  const p = startKernelProcess(WORKER);
  expect(await p.exited).toBe(78);
  expect(p.stderr()).toContain('a worker process needs DATABASE_URL and REDIS_URL');
});
