// The test NAS against FreeRADIUS's own client: radclient's CoA-Request and Disconnect-Request
// pass the NAS's checks (so the NAS checks as FreeRADIUS signs), and radclient accepts the
// NAS's signed ACKs and NAKs (so the NAS answers as FreeRADIUS verifies).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestNas, type TestNas } from '../../plugins-core/radius/test/support/test-nas.ts';

const SECRET = 'nas-secret-ñ';

interface RadclientRun {
  readonly exitCode: number;
  readonly output: string;
}

let dictionaryDir: string;
let nas: TestNas;

/** Runs `radclient -x 127.0.0.1:<port> coa|disconnect <secret>` with `lines` on stdin. */
function radclient(
  kind: 'coa' | 'disconnect',
  lines: readonly string[],
  options: { secret?: string; retries?: number; timeoutSeconds?: number } = {},
): Promise<RadclientRun> {
  const args = [
    '-x',
    '-d',
    dictionaryDir,
    '-t',
    String(options.timeoutSeconds ?? 1),
    '-r',
    String(options.retries ?? 1),
    `127.0.0.1:${nas.port}`,
    kind,
    options.secret ?? SECRET,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile('radclient', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`radclient did not run (${error.message}): install freeradius-utils (.ci/run does)`));
        return;
      }
      resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
    });
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

beforeAll(async () => {
  // An empty local dictionary, so radclient reads only FreeRADIUS's own (never /etc/freeradius).
  dictionaryDir = await mkdtemp(join(tmpdir(), 'dotmac-test-nas-'));
  await writeFile(join(dictionaryDir, 'dictionary'), '');
  nas = await startTestNas({ secret: SECRET });
});

afterAll(async () => {
  await nas?.close();
  if (dictionaryDir) await rm(dictionaryDir, { recursive: true, force: true });
});

describe('the test NAS and radclient', () => {
  test("radclient's CoA-Request passes the NAS's checks, is recorded by name, and radclient accepts the signed ACK", async () => {
    nas.setPolicy('ack');
    const run = await radclient('coa', [
      'Message-Authenticator = 0x00',
      'User-Name = "Ọlá@lagos-fibre"',
      'Acct-Session-Id = "81a0001f"',
      'Framed-IP-Address = 100.64.0.10',
      'Event-Timestamp = 1767225600',
      'Mikrotik-Rate-Limit = "5M/20M 10M/40M 3750k/15M 8/8"',
      'Mikrotik-Address-List = "walled-garden"',
      'Cisco-AVPair = "lcp:interface-config#1=rate-limit input 5000000 937500 1875000 conform-action transmit exceed-action drop"',
      'WISPr-Bandwidth-Max-Up = 5000000',
      'WISPr-Bandwidth-Max-Down = 20000000',
      'Delegated-IPv6-Prefix = 2001:db8:ab00::/40',
    ]);
    expect(run.output).toMatch(/Received CoA-ACK/);
    expect(run.output).not.toMatch(/verification failed|invalid/i);
    expect(run.exitCode).toBe(0);
    const packet = await nas.waitFor((p) => p.attributes.some((a) => a.value === 'Ọlá@lagos-fibre'));
    expect(packet).toMatchObject({ code: 'CoA-Request', messageAuthenticator: true, answer: 'ack' });
    expect(packet.attributes).toEqual([
      { name: 'User-Name', value: 'Ọlá@lagos-fibre' },
      { name: 'Acct-Session-Id', value: '81a0001f' },
      { name: 'Framed-IP-Address', value: '100.64.0.10' },
      { name: 'Event-Timestamp', value: 1767225600 },
      { name: 'Mikrotik-Rate-Limit', value: '5M/20M 10M/40M 3750k/15M 8/8' },
      { name: 'Mikrotik-Address-List', value: 'walled-garden' },
      {
        name: 'Cisco-AVPair',
        value:
          'lcp:interface-config#1=rate-limit input 5000000 937500 1875000 conform-action transmit exceed-action drop',
      },
      { name: 'WISPr-Bandwidth-Max-Up', value: 5000000 },
      { name: 'WISPr-Bandwidth-Max-Down', value: 20000000 },
      { name: 'Delegated-IPv6-Prefix', value: '2001:db8:ab00::/40' },
    ]);
  });

  test('a NAK carries the Error-Cause the test chose, and radclient verifies it', async () => {
    nas.setPolicy({ nak: 503 });
    const run = await radclient('disconnect', ['Message-Authenticator = 0x00', 'Acct-Session-Id = "gone-1"']);
    expect(run.output).toMatch(/Received Disconnect-NAK/);
    expect(run.output).toMatch(/Error-Cause = Session-Context-Not-Found/);
    expect(run.output).not.toMatch(/verification failed|invalid/i);
    const packet = await nas.waitFor((p) => p.attributes.some((a) => a.value === 'gone-1'));
    expect(packet).toMatchObject({ code: 'Disconnect-Request', answer: { nak: 503 } });
  });

  test('a policy can answer each request on its own', async () => {
    nas.setPolicy((packet) =>
      packet.attributes.some((a) => a.name === 'User-Name' && a.value === 'offline') ? { nak: 503 } : 'ack',
    );
    const offline = await radclient('coa', ['Message-Authenticator = 0x00', 'User-Name = "offline"']);
    const online = await radclient('coa', ['Message-Authenticator = 0x00', 'User-Name = "online"']);
    expect(offline.output).toMatch(/Received CoA-NAK/);
    expect(online.output).toMatch(/Received CoA-ACK/);
  });

  test('a request under another secret is dropped, with the reason recorded', async () => {
    nas.setPolicy('ack');
    const before = nas.dropped.length;
    const run = await radclient('coa', ['Message-Authenticator = 0x00', 'User-Name = "intruder"'], {
      secret: 'guessed',
      timeoutSeconds: 0.3,
    });
    expect(run.output).toMatch(/No reply/);
    expect(nas.dropped.slice(before).map((d) => d.reason)).toContain('Request Authenticator does not match');
    expect(nas.received.some((p) => p.attributes.some((a) => a.value === 'intruder'))).toBe(false);
  });

  test('a request without a Message-Authenticator is dropped unless the NAS is told to allow it', async () => {
    const before = nas.dropped.length;
    const run = await radclient('coa', ['User-Name = "unsigned"'], { timeoutSeconds: 0.3 });
    expect(run.output).toMatch(/No reply/);
    expect(nas.dropped.slice(before).map((d) => d.reason)).toContain('no Message-Authenticator');

    const lenient = await startTestNas({ secret: SECRET, requireMessageAuthenticator: false, signAnswers: false });
    try {
      const accepted = await new Promise<string>((resolve) => {
        const child = execFile(
          'radclient',
          ['-x', '-d', dictionaryDir, '-t', '1', '-r', '1', `127.0.0.1:${lenient.port}`, 'coa', SECRET],
          (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
        );
        child.stdin?.end('User-Name = "unsigned"\n');
      });
      expect(accepted).toMatch(/Received CoA-ACK/);
      expect((await lenient.waitFor(() => true)).messageAuthenticator).toBe(false);
    } finally {
      await lenient.close();
    }
  });

  test('a silent NAS answers nothing; every retransmission is recorded under the same Identifier', async () => {
    nas.setPolicy('silent');
    const run = await radclient('coa', ['Message-Authenticator = 0x00', 'User-Name = "retry-me"'], {
      retries: 3,
      timeoutSeconds: 0.2,
    });
    expect(run.output).toMatch(/No reply/);
    const copies = nas.received.filter((p) => p.attributes.some((a) => a.value === 'retry-me'));
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((p) => p.identifier)).size).toBe(1);
    expect(copies.every((p) => p.answer === 'silent')).toBe(true);
  });

  test('waitFor says what did arrive when the awaited request never comes', async () => {
    await expect(nas.waitFor((p) => p.identifier === 999, 50)).rejects.toThrow(
      /saw no matching request in 50 ms; received: .*CoA-Request #\d+.*dropped: .*Request Authenticator does not match/,
    );
  });
});
