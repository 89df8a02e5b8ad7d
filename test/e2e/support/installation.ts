// A DotMac installation for browser tests: one kernel (HTTP API, jobs and event delivery in the
// test's process, as `npm start` runs them) on a fresh PostgreSQL database, with every core
// plugin and any fixture plugins, serving the built shell; mail goes to a mailbox the test reads.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootTestKernel, type TestKernel } from '../../support/kernel.ts';
import { createMailbox, type Installation } from '../../support/portal-users.ts';

export const REPOSITORY = fileURLToPath(new URL('../../../', import.meta.url));
export const CORE_PLUGINS = `${REPOSITORY}plugins-core/`;
/** The built shell the kernel serves (`npm run build:shell`). */
export const SHELL_INDEX = `${REPOSITORY}shell-ui/dist/index.html`;

export interface E2eInstallation extends Installation {
  readonly kernel: TestKernel['kernel'];
  /** Stops the kernel and drops its database. */
  dispose(): Promise<void>;
}

/**
 * Boots and starts a kernel with plugins-core/ and the folders of plugins in `extraPluginRoots`.
 * Refuses at once, saying what to run, when the shell or a core plugin's UI is not built.
 */
export async function startInstallation(extraPluginRoots: readonly string[] = []): Promise<E2eInstallation> {
  if (!existsSync(SHELL_INDEX)) {
    throw new Error(`the shell is not built (${SHELL_INDEX} is missing): run npm run build:shell`);
  }
  if (!existsSync(`${CORE_PLUGINS}customers/dist/ui/remoteEntry.js`)) {
    throw new Error('the core plugins are not built (no plugins-core/customers/dist/ui): run npm run build:plugins');
  }
  const adminToken = randomUUID();
  const mailbox = createMailbox();
  const t = await bootTestKernel({
    db: 'postgresql',
    env: { ADMIN_TOKEN: adminToken, SECRETS_KEY: randomBytes(32).toString('base64'), HOST: '127.0.0.1' },
    pluginRoots: [CORE_PLUGINS, ...extraPluginRoots],
    mailer: mailbox.mailer,
  });
  try {
    await t.kernel.start();
  } catch (e) {
    await t.dispose();
    throw e;
  }
  return { url: t.kernel.url as string, adminToken, mailbox, kernel: t.kernel, dispose: () => t.dispose() };
}

/** Events not (yet) delivered to a subscriber, with their last error: what a wait for an event's effect reports. */
export async function undeliveredEvents(at: E2eInstallation): Promise<string> {
  const rows = await at.kernel.db.query<{
    name: string;
    subscriber: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }>(
    `select e.name, d.subscriber, d.status, d.attempts, d.last_error
       from kernel.event_delivery d join kernel.outbox_event e on e.id = d.event_id
      where d.status <> 'delivered' order by e.seq`,
  );
  return rows
    .map((r) => `${r.name} → ${r.subscriber}: ${r.status} after ${r.attempts} (${r.last_error ?? ''})`)
    .join('\n');
}
