// A publisher's signing key: `dotmac-plugin keygen` writes an Ed25519 private key (PKCS#8 PEM,
// mode 0600); sign and publish read it back. The format is the kernel's (plugins/package.ts).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateKeyPair, keyIdOf } from '@dotmac/kernel';
import { CliError } from './errors.ts';

/** A publisher name as registries accept it: lowercase letters, digits and hyphens, 2 to 40. */
const PUBLISHER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/;

/** A private key read from its file. */
export interface PublisherKey {
  /** Absolute path of the PEM file. */
  readonly file: string;
  readonly privateKeyPem: string;
  /** `ed25519:<base64url of the raw key>`. */
  readonly publicKey: string;
  /** First 16 hex characters of the raw key's SHA-256. */
  readonly keyId: string;
}

/** Refuses a name a registry would refuse, before any key or package is made for it. */
export function checkPublisherName(name: string): string {
  if (!PUBLISHER_NAME.test(name)) {
    throw new CliError(
      `publisher ${name} is not a publisher name: use 2 to 40 lowercase letters, digits and hyphens (acme, acme-networks)`,
    );
  }
  return name;
}

/**
 * The registry name for the manifest's `publisher` ("Acme Networks Ltd" → acme-networks-ltd),
 * or undefined when it does not make one.
 */
export function publisherNameOf(displayName: string): string | undefined {
  const name = displayName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return PUBLISHER_NAME.test(name) ? name : undefined;
}

/** Where keygen puts a publisher's key unless told: `~/.config/dotmac/<publisher>.pem`. */
export function defaultKeyFile(publisher: string, env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'dotmac', `${publisher}.pem`);
}

/** Generates a key pair and writes the private key to `file` (mode 0600); never replaces a file. */
export async function createPublisherKey(file: string): Promise<PublisherKey> {
  const path = resolve(file);
  const { publicKey, privateKeyPem } = generateKeyPair();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    await writeFile(path, privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CliError(
        `${path} already exists; keygen never replaces a key, since registries and operators trust its public key: pass --out to write another key`,
      );
    }
    throw e;
  }
  return { file: path, privateKeyPem, publicKey, keyId: keyIdOf(publicKey) };
}

/** Reads the Ed25519 private key in `file`, with its public key and key id. */
export async function readPublisherKey(file: string, missingHint: string): Promise<PublisherKey> {
  const path = resolve(file);
  const privateKeyPem = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new CliError(`no key at ${path}: ${missingHint}`);
    throw new CliError(`cannot read the key ${path}: ${e.message}`);
  });
  let publicRaw: string | undefined;
  try {
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType === 'ed25519') publicRaw = createPublicKey(key).export({ format: 'jwk' }).x;
  } catch {
    publicRaw = undefined;
  }
  if (!publicRaw) throw new CliError(`${path} is not an Ed25519 private key (PKCS#8 PEM, as keygen writes)`);
  const publicKey = `ed25519:${publicRaw}`;
  return { file: path, privateKeyPem, publicKey, keyId: keyIdOf(publicKey) };
}
