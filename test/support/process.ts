// Runs kernel processes the way `npm start` and `npm run worker` do, for integration tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsx = import.meta.resolve('tsx');
// tsx reads the tsconfig (decorator settings) from the working directory unless told where it is.
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../kernel/src/main.ts', import.meta.url));
export const WORKER = fileURLToPath(new URL('../../kernel/src/worker.ts', import.meta.url));
export const FIXTURE = fileURLToPath(new URL('../fixtures/kernel-process.ts', import.meta.url));

export interface KernelProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the URL the process prints once it listens. */
  url(timeoutMs?: number): Promise<string>;
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  printed(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `node --no-node-snapshot --import tsx <script> ...args` with exactly `env` (plus PATH,
 * HOME and tsx's tsconfig path) in `cwd`. Nothing is inherited from the test's environment unless passed.
 */
export function startKernelProcess(
  script: string,
  options: { args?: string[]; env?: Record<string, string>; cwd?: string } = {},
): KernelProcess {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', tsx, script, ...(options.args ?? [])], {
    cwd: options.cwd ?? process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TSX_TSCONFIG_PATH: TSCONFIG,
      ...(options.env ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const look = () => {
        const match = pattern.exec(out);
        if (match) return resolve(match);
        if (child.exitCode !== null || child.signalCode !== null) {
          return reject(
            new Error(
              `process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${err}\n${out}`,
            ),
          );
        }
        if (Date.now() - started > timeoutMs)
          return reject(new Error(`${pattern} not printed after ${timeoutMs} ms:\n${err}\n${out}`));
        setTimeout(look, 50);
      };
      look();
    });
  }
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    url(timeoutMs = 60_000) {
      return waitForOutput(/DotMac is running at (\S+)/, timeoutMs).then((m) => m[1] ?? '');
    },
    async printed(text, timeoutMs = 60_000) {
      await waitForOutput(new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), timeoutMs);
    },
  };
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`). */
export async function stopProcess(p: KernelProcess, graceMs = 20_000): Promise<number | string> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}
