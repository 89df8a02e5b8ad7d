// A webhook receiver on loopback for the tests: it records every request and answers with the
// statuses it is told to, in order (then 204), or hangs up without answering.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (what the signature covers). */
  readonly body: string;
}

/** What the receiver does with the next request: answer a status, or close the connection unanswered. */
export type Reply = number | 'hang-up';

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly received: Received[];
  /** Replies for the next requests, in order; afterwards it answers 204. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const replies: Reply[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const reply = replies.shift() ?? 204;
      if (reply === 'hang-up') req.socket.destroy();
      else res.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? '' : `refused with ${reply}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    reply: (...next) => replies.push(...next),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
