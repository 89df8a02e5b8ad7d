// `dotmac-plugin deprecate` and `yank`: a publisher marks a published version, with a request
// signed by its key (the registry checks the key belongs to the plugin's owner).
import { signRequest } from '@dotmac/kernel';
import { callApi, serviceUrl } from './api.ts';
import { CliError } from './errors.ts';
import { checkPublisherName, defaultKeyFile, readPublisherKey } from './keys.ts';

export interface MarkOptions {
  readonly registry: string;
  readonly publisher: string;
  readonly keyFile?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly report: (line: string) => void;
}

/**
 * Deprecates (still offered, with `text` shown) or yanks (no longer offered for new installs;
 * operators who have it are warned with `text`) `ref`, written `<plugin id>@<version>`.
 */
export async function markVersion(
  kind: 'deprecate' | 'yank',
  ref: string,
  text: string,
  options: MarkOptions,
): Promise<void> {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1)
    throw new CliError(`${kind} needs <plugin id>@<version>, like acme.hello@1.0.0`);
  const [pluginId, version] = [ref.slice(0, at), ref.slice(at + 1)];
  const publisher = checkPublisherName(options.publisher);
  const key = await readPublisherKey(
    options.keyFile ?? defaultKeyFile(publisher, options.env),
    `make one with dotmac-plugin keygen --publisher ${publisher}, or name it with --key`,
  );
  const registry = serviceUrl('--registry', options.registry);
  const path = `/api/v1/plugins/${encodeURIComponent(pluginId)}/versions/${encodeURIComponent(version)}/${kind}`;
  const payload = kind === 'yank' ? { reason: text } : { message: text };
  // Signed as sent: callApi writes the same JSON.stringify of the payload.
  const body = JSON.stringify(payload);
  await callApi(
    { name: `the registry ${registry}`, url: registry },
    {
      method: 'POST',
      path,
      json: payload,
      headers: signRequest({ method: 'POST', path, body, keyId: key.keyId, privateKeyPem: key.privateKeyPem }),
    },
  );
  options.report(
    kind === 'yank'
      ? `yanked ${pluginId} ${version} at ${registry}: no longer offered for new installs; operators who have it see: ${text}`
      : `deprecated ${pluginId} ${version} at ${registry}: still offered, with: ${text}`,
  );
}
