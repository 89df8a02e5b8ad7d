// A mail server on loopback for kernels that send real mail (SMTP_URL), e.g. the benchmarks,
// which boot kernels without an in-process mailer: it keeps every message and reads the links in
// them as test/support/portal-users.ts's Mailbox does.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Mailbox } from './portal-users.ts';

export interface SmtpMailbox extends Mailbox {
  /** smtp://127.0.0.1:<port>, for the kernel's SMTP_URL. */
  readonly url: string;
  /**
   * The token in the link of the last mail to `email`, waiting for it: the kernel sends mail after
   * its transaction commits, without holding the request (so `linkTokenFor` may be too early).
   */
  waitForLinkToken(email: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

interface Received {
  readonly to: readonly string[];
  readonly raw: string;
}

/** The text body of a single-part message, decoded (nodemailer sends plain text as quoted-printable when needed). */
function bodyOf(raw: string): string {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  const encoding = /^content-transfer-encoding:\s*([\w-]+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  return body;
}

/**
 * Starts the server. A message is kept before the server acknowledges it, so once the kernel's
 * request that sent it has answered, `linkTokenFor` finds it.
 */
export async function startSmtpMailbox(): Promise<SmtpMailbox> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const tokenIn = (email: string): string | undefined => {
    const mail = received.findLast((m) => m.to.includes(email));
    return /token=([A-Za-z0-9_-]+)/.exec(mail ? bodyOf(mail.raw) : '')?.[1];
  };
  return {
    url: `smtp://127.0.0.1:${port}`,
    async waitForLinkToken(email, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (let token = tokenIn(email); ; token = tokenIn(email)) {
        if (token) return token;
        if (Date.now() > deadline) throw new Error(`no mail with a link reached ${email} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    mailer: {
      send: async () => {
        throw new Error('this mailbox receives over SMTP: give the kernel SMTP_URL instead of this mailer');
      },
    },
    linkTokenFor(email) {
      const token = tokenIn(email);
      if (!token) throw new Error(`no mail with a link has reached ${email} yet (waitForLinkToken waits)`);
      return token;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
