// `dotmac-plugin publish`: build, pack, sign, register the publisher's key with the registry when
// it does not know it yet, and upload; each step reports one line as it finishes.
import { relative } from 'node:path';
import { type ApiService, callApi, serviceUrl } from './api.ts';
import { buildPlugin } from './build.ts';
import { CliError } from './errors.ts';
import { checkPublisherName, defaultKeyFile, type PublisherKey, publisherNameOf, readPublisherKey } from './keys.ts';
import { loadManifest, pluginFolder } from './manifest.ts';
import { packPlugin } from './pack.ts';
import { signPackageFile } from './sign.ts';

/** Options of `publish`. */
export interface PublishOptions {
  /** The registry's base URL. */
  readonly registry: string;
  /** Publisher name; default: derived from the manifest's `publisher`. */
  readonly publisher?: string;
  /** The private key's file; default: `~/.config/dotmac/<publisher>.pem`. */
  readonly keyFile?: string;
  /** Where HOME and XDG_CONFIG_HOME are read (the default key file). */
  readonly env: NodeJS.ProcessEnv;
  /** Receives one line per finished step. */
  readonly report: (line: string) => void;
}

/** What the registry answered to the upload. */
export interface Published {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly sha256: string;
}

interface PublisherAnswer {
  readonly name: string;
  readonly keys: readonly { keyId: string; publicKey: string }[];
}

/** Builds, packs, signs and uploads the plugin in `dir`; answers the registry's record of it. */
export async function publishPlugin(dir: string, options: PublishOptions): Promise<Published> {
  const registry: ApiService = {
    name: `the registry ${options.registry}`,
    url: serviceUrl('--registry', options.registry),
  };
  const root = await pluginFolder(dir);
  const manifest = await loadManifest(root);
  const publisher = publisherOf(options.publisher, manifest.publisher);
  // The key is read first: a missing key should not cost a build.
  const key = await readPublisherKey(
    options.keyFile ?? defaultKeyFile(publisher, options.env),
    `run dotmac-plugin keygen --publisher ${publisher}, or pass --key`,
  );
  const { report } = options;

  const built = await buildPlugin(root);
  report(
    `built ${relative(root, built.bundle)} (${built.bytes} bytes)${built.ui ? ` and ${relative(root, built.ui.remoteEntry)}` : ''}`,
  );
  const packed = await packPlugin(root);
  report(`packed ${relative(root, packed.file)} (${Object.keys(packed.checksums).length} files)`);
  const signed = await signPackageFile(packed.file, key, publisher);
  report(`signed as ${publisher} with key ${key.keyId}`);
  report(await ensurePublisher(registry, publisher, key));

  const { body } = await callApi<Published>(registry, { method: 'POST', path: '/api/v1/packages', gzip: signed.bytes });
  report(`published ${body.pluginId} ${body.version} to ${registry.url} (sha256 ${body.sha256})`);
  return body;
}

function publisherOf(given: string | undefined, displayName: string): string {
  if (given !== undefined) return checkPublisherName(given);
  const derived = publisherNameOf(displayName);
  if (!derived) {
    throw new CliError(
      `plugin.json's publisher "${displayName}" does not make a publisher name: pass --publisher (lowercase letters, digits and hyphens)`,
    );
  }
  return derived;
}

/**
 * Registers `publisher` with `key` on the registry; a name already taken is fine when the key is
 * one of its keys, and refused otherwise (the registry would refuse the package anyway).
 */
async function ensurePublisher(registry: ApiService, publisher: string, key: PublisherKey): Promise<string> {
  const created = await callApi<{ detail?: string }>(registry, {
    method: 'POST',
    path: '/api/v1/publishers',
    json: { name: publisher, publicKey: key.publicKey },
    tolerate: [409],
  });
  if (created.status !== 409) return `registered publisher ${publisher} with key ${key.keyId} at ${registry.url}`;
  const known = await callApi<PublisherAnswer>(registry, {
    method: 'GET',
    path: `/api/v1/publishers/${encodeURIComponent(publisher)}`,
    tolerate: [404],
  });
  // The name is free, so the conflict was the key: registered to another publisher.
  if (known.status === 404) throw new CliError(created.body?.detail ?? `the registry refused publisher ${publisher}`);
  const keyIds = known.body.keys.map((k) => k.keyId);
  if (!keyIds.includes(key.keyId)) {
    throw new CliError(
      `publisher ${publisher} is registered at ${registry.url} with other keys (${keyIds.join(', ')}), not ${key.keyId} (${key.file})`,
      ['sign with one of its keys (--key), or publish under another name (--publisher)'],
    );
  }
  return `publisher ${publisher} is registered at ${registry.url} with key ${key.keyId}`;
}
