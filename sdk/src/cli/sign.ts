// `dotmac-plugin sign`: adds the publisher's signature over checksums.json to a packed plugin,
// with the kernel's package library, the same code registries and kernels verify with.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readPackage, signPackage } from '@dotmac/kernel';
import { CliError } from './errors.ts';
import type { PublisherKey } from './keys.ts';

/** What sign produced. */
export interface SignResult {
  /** Absolute path of the signed .tgz. */
  readonly file: string;
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  /** SHA-256 of checksums.json, the bytes the signature covers. */
  readonly checksumsSha256: string;
  /** The signed package. */
  readonly bytes: Buffer;
}

/** Signs the package `file` as `publisher` with `key`; writes it to `out` (default: in place). */
export async function signPackageFile(
  file: string,
  key: PublisherKey,
  publisher: string,
  out?: string,
): Promise<SignResult> {
  const path = resolve(file);
  const tgz = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(
      e.code === 'ENOENT'
        ? `no package at ${path}: make one with dotmac-plugin pack`
        : `cannot read ${path}: ${e.message}`,
    );
  });
  // signPackage re-verifies the checksums, so a package changed after pack is refused, naming the file.
  const bytes = await signPackage(tgz, key.privateKeyPem, publisher);
  const pkg = await readPackage(bytes);
  const target = resolve(out ?? path);
  await writeFile(target, bytes);
  return {
    file: target,
    pluginId: pkg.manifest.id,
    version: pkg.manifest.version,
    publisher,
    keyId: key.keyId,
    checksumsSha256: createHash('sha256').update(pkg.checksumsBytes).digest('hex'),
    bytes,
  };
}
