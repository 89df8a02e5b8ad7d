// Mail DotMac sends to people (invitations, password resets): over SMTP when SMTP_URL is set;
// otherwise only a warning naming the mail, never its body, which holds a link with a token.
// nodemailer: a mature SMTP client (STARTTLS, smtps://, AUTH, MIME encoding) we should not rewrite.
import { createTransport } from 'nodemailer';
import type { Config } from '../config.ts';
import { UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** One plain-text mail to one person. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Sends mail; rejects (after logging recipient and subject) when the mail server does not take it. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

const TIMEOUT_MS = 30_000;

/** The installation's mailer: SMTP from SMTP_URL and MAIL_FROM, or a log-only stand-in without SMTP_URL. */
export function createMailer(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM'>, log: Logger): Mailer {
  const { SMTP_URL: url, MAIL_FROM: from } = config;
  if (!url) {
    return {
      async send({ to, subject }) {
        log.warn(
          { to, subject },
          'mail not sent: SMTP_URL is unset (set it to an smtp:// or smtps:// URL); the body is not logged, it holds a private link',
        );
      },
    };
  }
  // nodemailer's own logger stays off: at debug it would write message bodies.
  const transport = createTransport({
    url,
    logger: false,
    debug: false,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  return {
    async send({ to, subject, text }) {
      try {
        await transport.sendMail({ from, to, subject, text });
      } catch (e) {
        log.error({ to, subject, err: (e as Error).message }, 'mail could not be sent');
        throw new UnavailableError(`mail to ${to} could not be sent: ${(e as Error).message}`, { cause: e });
      }
      log.info({ to, subject }, 'mail sent');
    },
  };
}
