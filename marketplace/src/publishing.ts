// Publishing a package: read and check it (archive, size, checksums, manifest), verify its
// signature against the keys of the publisher it names, then store it as a new version.
import { capabilitySummary, readPackage, verifySignature } from '@dotmac/kernel';
import type { RegistryStore } from './store.ts';

/** What the registry recorded for an upload. */
export interface Published {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly sha256: string;
}

/**
 * Checks `tgz` and stores it. Refusals: PackageError naming the failed check and file (nothing
 * stored), 403 when another publisher owns the plugin id, 409 when the version exists.
 */
export async function publishPackage(store: RegistryStore, tgz: Buffer, maxBytes: number): Promise<Published> {
  const pkg = await readPackage(tgz, { maxBytes });
  // Only the keys of the publisher the signature names can verify it: a key registered by
  // anyone else is 'untrusted' here, however valid its signature.
  const claimed = pkg.signature?.publisher;
  const keys = claimed ? await store.keysOf(claimed) : [];
  const { publisher, keyId } = verifySignature(
    pkg,
    keys.map((k) => ({ publisher: claimed as string, publicKey: k.publicKey })),
  );
  const { manifest } = pkg;
  await store.publish({
    pluginId: manifest.id,
    version: manifest.version,
    publisher,
    keyId,
    manifest,
    tgz,
    sha256: pkg.sha256,
    readme: pkg.files.get('README.md')?.toString('utf8'),
    changelog: pkg.changelog,
    kernel: manifest.engines.kernel,
    capabilities: capabilitySummary(manifest),
    portals: [...new Set((manifest.ui ?? []).map((ui) => ui.portal))].sort(),
  });
  return { pluginId: manifest.id, version: manifest.version, publisher, keyId, sha256: pkg.sha256 };
}
