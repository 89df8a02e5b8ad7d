// Specification of ctx.datagram: bytes in, bytes out, base64 on the wire (the sandbox has no
// Buffer, btoa or TextEncoder), the test double answering it, and the testbed reaching a real UDP
// server once its settings allow the network.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPlugin } from '../src/cli/build.ts';
import { decodeBase64, definePlugin, encodeBase64 } from '../src/index.ts';
import { answerDatagram, createTestbed, createTestContext, invokeEntry, type Testbed } from '../src/testing.ts';
import { sandboxFor, scaffold, TENANT_A } from './support.ts';

describe('the base64 codec', () => {
  test('encodes exactly as Buffer does, and decodes back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });

  test('refuses text that is not padded base64, naming the character', () => {
    expect(() => decodeBase64('abc')).toThrow('decodeBase64: the text is 3 characters long');
    expect(() => decodeBase64('ab-d')).toThrow('decodeBase64: "-" at 2 is not a base64 character');
    expect(() => decodeBase64('a=bc')).toThrow('decodeBase64: "=" at 1 is not a base64 character');
    expect(() => decodeBase64('a===')).toThrow('"=" at 1');
    expect(() => decodeBase64('YQ==YQ==')).toThrow('"=" at 2');
    expect(decodeBase64('')).toEqual(new Uint8Array());
  });
});

const COA = [40, 1, 0, 20, 255, 0, 128];

/** Server code sending a CoA-Request-like datagram to `host`:`port` and answering what came back. */
const nasServer = (host: string, port: number) => `
import { definePlugin } from '@dotmac/sdk';
export default definePlugin({
  routes: {
    'GET /coa': async (ctx) => {
      try {
        const reply = await ctx.datagram.request(${JSON.stringify(host)}, ${port}, new Uint8Array(${JSON.stringify(COA)}), { timeoutMs: 500 });
        return { reply: reply === null ? null : Array.from(reply) };
      } catch (e) {
        return { refused: e.message };
      }
    },
  },
});
`;

/** A built plugin declaring `ports` and the route of `nasServer`. */
async function nasPlugin(id: string, server: string, ports: number[]): Promise<string> {
  const dir = await scaffold(server);
  const route = {
    method: 'GET',
    path: '/coa',
    summary: 'Sends a CoA',
    public: true,
    responses: { '200': { description: 'ok' } },
  };
  await writeFile(
    join(dir, 'plugin.json'),
    JSON.stringify({
      id,
      version: '0.1.0',
      name: 'NAS',
      description: 'Talks to the NAS.',
      publisher: 'Acme',
      engines: { kernel: '^0.1.0' },
      capabilities: { http: { routes: [route] }, datagram: { ports } },
    }),
  );
  await buildPlugin(dir);
  return dir;
}

describe('ctx.datagram.request in the sandbox', () => {
  test('sends the bytes as base64 egress.datagram args and answers the reply as bytes', async () => {
    const dir = await nasPlugin('acme.hello', nasServer('192.0.2.7', 3799), [3799]);
    const { sandbox, routed } = await sandboxFor(dir, {
      'egress.datagram': { payload: encodeBase64(new Uint8Array([41, 1, 0, 20, 0, 255])) },
    });
    expect(await sandbox.invoke(TENANT_A, 'route:GET /coa', { params: {} })).toEqual({ reply: [41, 1, 0, 20, 0, 255] });
    expect(routed).toEqual([
      {
        envelope: expect.objectContaining({ tenantId: TENANT_A }),
        capability: 'egress',
        method: 'datagram',
        args: { host: '192.0.2.7', port: 3799, payload: Buffer.from(COA).toString('base64'), timeoutMs: 500 },
      },
    ]);
  });

  test('answers null when nothing came back', async () => {
    const dir = await nasPlugin('acme.hello', nasServer('192.0.2.7', 3799), [3799]);
    const { sandbox } = await sandboxFor(dir, { 'egress.datagram': { payload: null } });
    expect(await sandbox.invoke(TENANT_A, 'route:GET /coa', { params: {} })).toEqual({ reply: null });
  });
});

describe('createTestContext', () => {
  const plugin = definePlugin({
    routes: {
      'GET /coa': async (ctx) => {
        const reply = await ctx.datagram.request('192.0.2.7', 3799, new Uint8Array([1, 2, 3]));
        return { reply: reply === null ? null : Array.from(reply) };
      },
    },
  });

  test('answerDatagram answers in bytes, and sees the bytes and where they went', async () => {
    const sent: unknown[] = [];
    const { context, calls } = createTestContext(TENANT_A, {
      'egress.datagram': answerDatagram((bytes, to) => {
        sent.push({ bytes: Array.from(bytes), to });
        return bytes.slice().reverse();
      }),
    });
    expect(await invokeEntry(plugin, 'route:GET /coa', { params: {} }, context)).toEqual({ reply: [3, 2, 1] });
    expect(sent).toEqual([{ bytes: [1, 2, 3], to: { host: '192.0.2.7', port: 3799 } }]);
    expect(calls).toEqual([
      { capability: 'egress', method: 'datagram', args: { host: '192.0.2.7', port: 3799, payload: 'AQID' } },
    ]);
  });

  test('a datagram the table does not answer gets no reply, as on a timeout', async () => {
    const { context } = createTestContext(TENANT_A);
    expect(await invokeEntry(plugin, 'route:GET /coa', { params: {} }, context)).toEqual({ reply: null });
  });
});

describe('a testbed whose settings allow loopback datagrams', () => {
  let nas: Socket;
  let bed: Testbed;
  let tenant: string;

  beforeAll(async () => {
    // A NAS on loopback that acknowledges each request with its bytes, the code changed to 41.
    nas = createSocket('udp4');
    nas.on('message', (message, from) => nas.send(Buffer.from([41, ...message.subarray(1)]), from.port, from.address));
    nas.bind(0, '127.0.0.1');
    await once(nas, 'listening');
    const port = (nas.address() as AddressInfo).port;
    const dir = await nasPlugin('acme.nas', nasServer('127.0.0.1', port), [port]);
    bed = await createTestbed({ dir, settings: { DATAGRAM_ALLOW_NETWORKS: '127.0.0.0/8' } });
    tenant = await bed.tenant();
  });
  afterAll(async () => {
    await bed?.close();
    nas?.close();
  });

  test('the plugin reaches the UDP server through the kernel and reads its answer', async () => {
    expect(await bed.request(tenant, 'GET /coa')).toMatchObject({
      status: 200,
      body: { reply: [41, ...COA.slice(1)] },
    });
  });
});

describe('a testbed without DATAGRAM_ALLOW_NETWORKS', () => {
  test('refuses every datagram, naming the setting', async () => {
    const dir = await nasPlugin('acme.nas', nasServer('127.0.0.1', 3799), [3799]);
    const bed = await createTestbed({ dir });
    try {
      const { body } = await bed.request<{ refused: string }>(await bed.tenant(), 'GET /coa');
      expect(body.refused).toContain('127.0.0.1 is not inside the networks the operator allows datagrams to');
      expect(body.refused).toContain('DATAGRAM_ALLOW_NETWORKS, which lists none');
    } finally {
      await bed.close();
    }
  });
});
