// The token keeper as the browser runs it: localStorage, Web Locks across tabs, a timer.
import type { Portal } from '@dotmac/ui';
import { type LockRunner, TokenKeeper } from './token-keeper.ts';

/** Runs `work` under a Web Lock shared by the browser's tabs (as is, where Web Locks are missing). */
const webLock: LockRunner = (name, work) =>
  typeof navigator !== 'undefined' && navigator.locks
    ? (navigator.locks.request(name, work) as Promise<Awaited<ReturnType<typeof work>>>)
    : work();

export function browserTokenKeeper(portal: Portal, onSessionEnded: () => void): TokenKeeper {
  return new TokenKeeper({
    portal,
    store: localStorage,
    lock: webLock,
    schedule: (run, delayMs) => {
      const timer = setTimeout(run, delayMs);
      return () => clearTimeout(timer);
    },
    onSessionEnded,
  });
}
