// Runs a kernel as this process: boots, prints where it listens, stops cleanly on SIGTERM/SIGINT,
// and turns a configuration error into one readable message and exit code 78 (EX_CONFIG).
import { ConfigError, DotmacError } from './errors.ts';
import { Kernel, type KernelOptions, type KernelRole } from './kernel.ts';

export async function runProcess(
  role: KernelRole,
  options: Omit<KernelOptions, 'role'> = {},
): Promise<Kernel | undefined> {
  let kernel: Kernel;
  try {
    kernel = await Kernel.start({ ...options, role });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`dotmac: ${e.message}`);
      process.exitCode = 78;
      return undefined;
    }
    console.error(`dotmac: cannot start: ${e instanceof DotmacError ? e.message : ((e as Error).stack ?? e)}`);
    process.exitCode = 1;
    return undefined;
  }
  if (kernel.url) console.log(`DotMac is running at ${kernel.url}`);
  else console.log('DotMac worker is running');
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C means now
    kernel.log.info({ signal }, 'shutting down');
    kernel.stop().then(
      () => process.exit(0),
      (e) => {
        kernel.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return kernel;
}
