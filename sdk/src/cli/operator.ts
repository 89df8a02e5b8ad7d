// The operator's commands, against a kernel's admin API with the operator token
// (DOTMAC_ADMIN_TOKEN): `install` a plugin from a registry or a file, after showing what it asks
// for and getting it approved, and `enable` it for a tenant.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { capabilitySummary, readPackage } from '@dotmac/kernel';
import { type ApiService, callApi, serviceUrl } from './api.ts';
import { CliError } from './errors.ts';

/** Options every operator command takes. */
export interface OperatorOptions {
  /** The kernel's base URL. */
  readonly kernel: string;
  /** Where DOTMAC_ADMIN_TOKEN is read. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives each line to show. */
  readonly report: (line: string) => void;
}

/** Options of `install`. */
export interface InstallOptions extends OperatorOptions {
  /** The registry to install from (one the kernel is configured with); default: the kernel's choice. */
  readonly registry?: string;
  /** Install the missing dependencies the kernel finds compatible versions of. */
  readonly withDependencies: boolean;
  /** Approved beforehand (`--yes`): the capabilities are shown, not asked about. */
  readonly yes: boolean;
  /** Asks the operator a yes/no question; default: on the terminal, refused when there is none. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** What the kernel answers to an installation. */
export interface Installation {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly capabilities: readonly string[];
  readonly installed: readonly { pluginId: string; version: string }[];
}

interface Preview {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly capabilities: readonly string[];
  readonly missing: readonly { pluginId: string; range: string; version: string | null }[];
  /** Deprecation notices of what would be installed. */
  readonly notices?: readonly string[];
}

/** Plugin id and optional version of `acme.hello` or `acme.hello@1.2.0`. */
export function parsePluginRef(ref: string): { pluginId: string; version?: string } {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return { pluginId: ref };
  const version = ref.slice(at + 1);
  if (!version) throw new CliError(`${ref}: give a version after @ (acme.hello@1.2.0), or none for the latest`);
  return { pluginId: ref.slice(0, at), version };
}

/** Previews, has approved and installs `ref` (`<id>[@version]`) from a registry the kernel trusts. */
export async function installPlugin(ref: string, options: InstallOptions): Promise<Installation> {
  const kernel = kernelService(options);
  const registry = options.registry === undefined ? undefined : serviceUrl('--registry', options.registry);
  const wanted = {
    ...parsePluginRef(ref),
    ...(registry && { registry }),
    installDependencies: options.withDependencies,
  };
  // What the operator approves covers the dependencies too, so the preview is asked with the same choice.
  const { body: preview } = await callApi<Preview>(kernel, {
    method: 'POST',
    path: '/api/v1/admin/installations/preview',
    json: wanted,
  });
  const { report } = options;
  report(
    `${preview.pluginId} ${preview.version}, signed by ${preview.publisher} (key ${preview.keyId}, trusted by this kernel)`,
  );
  for (const notice of preview.notices ?? []) report(`  ${notice}`);
  const dependencies = checkDependencies(preview, options.withDependencies);
  for (const d of dependencies) report(`  needs ${d.pluginId} ${d.range}: installs ${d.pluginId} ${d.version} too`);
  reportCapabilities(preview.capabilities, report);
  await approve(`${preview.pluginId} ${preview.version}`, options);

  const { body } = await callApi<Installation>(kernel, {
    method: 'POST',
    path: '/api/v1/admin/installations',
    json: {
      pluginId: preview.pluginId,
      // The version the operator approved, even if a newer one is published meanwhile.
      version: preview.version,
      ...(registry && { registry }),
      approvedCapabilities: preview.capabilities,
      installDependencies: options.withDependencies,
    },
  });
  reportInstalled(body, options);
  return body;
}

/**
 * Shows what the package `file` asks for, has it approved and installs it (air-gapped kernels,
 * whose operator installs the dependencies first, from their own files).
 */
export async function installPackageFile(
  file: string,
  options: Omit<InstallOptions, 'registry' | 'withDependencies'>,
): Promise<Installation> {
  const kernel = kernelService(options);
  const path = resolve(file);
  const tgz = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new CliError(e.code === 'ENOENT' ? `no package at ${path}` : `cannot read ${path}: ${e.message}`);
  });
  // Read here only to show what it asks for; the kernel verifies checksums and signature itself.
  const pkg = await readPackage(tgz);
  const { id, version } = pkg.manifest;
  if (!pkg.signature) {
    throw new CliError(
      `${path} is not signed: a kernel installs only packages signed by a publisher it trusts (dotmac-plugin sign)`,
    );
  }
  const capabilities = capabilitySummary(pkg.manifest);
  const { report } = options;
  report(
    `${id} ${version}, signed by ${pkg.signature.publisher} (key ${pkg.signature.keyId}; the kernel checks it trusts it)`,
  );
  reportCapabilities(capabilities, report);
  await approve(`${id} ${version}`, options);

  const { body } = await callApi<Installation>(kernel, {
    method: 'POST',
    // One capability a line, as the kernel reads them.
    path: `/api/v1/admin/installations/file?approve=${encodeURIComponent(capabilities.join('\n'))}`,
    gzip: tgz,
  });
  reportInstalled(body, options);
  return body;
}

/** Switches `pluginId` on for the tenant given by id or slug. */
export async function enablePlugin(
  pluginId: string,
  tenant: string,
  options: OperatorOptions,
): Promise<{ tenantId: string; slug: string | undefined }> {
  const kernel = kernelService(options);
  const found = UUID.test(tenant) ? { tenantId: tenant, slug: undefined } : await tenantBySlug(kernel, tenant);
  await callApi(kernel, {
    method: 'PUT',
    path: `/api/v1/admin/tenants/${found.tenantId}/plugins/${encodeURIComponent(pluginId)}`,
    json: { enabled: true },
  });
  options.report(`enabled ${pluginId} for tenant ${found.slug ? `${found.slug} (${found.tenantId})` : found.tenantId}`);
  return found;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function kernelService(options: OperatorOptions): ApiService {
  const token = options.env.DOTMAC_ADMIN_TOKEN;
  if (!token) {
    throw new CliError(
      "set DOTMAC_ADMIN_TOKEN to the kernel's operator token (its ADMIN_TOKEN) to act as the operator",
    );
  }
  return {
    name: `the kernel ${options.kernel}`,
    url: serviceUrl('--kernel', options.kernel),
    token,
    unauthorizedHint: "DOTMAC_ADMIN_TOKEN must be the kernel's ADMIN_TOKEN",
  };
}

interface TenantPage {
  readonly items: readonly { id: string; slug: string }[];
  readonly nextCursor: string | null;
}

/** The tenant whose slug is `slug`, through the platform's tenant list (sorted by slug). */
async function tenantBySlug(kernel: ApiService, slug: string): Promise<{ tenantId: string; slug: string }> {
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { body }: { body: TenantPage } = await callApi<TenantPage>(kernel, {
      method: 'GET',
      path: `/api/v1/platform/tenants?limit=200${query}`,
    });
    const tenant = body.items.find((t) => t.slug === slug);
    if (tenant) return { tenantId: tenant.id, slug };
    // Sorted by slug: once past it, it is not there.
    if (body.items.some((t) => t.slug > slug)) break;
    cursor = body.nextCursor;
  } while (cursor);
  throw new CliError(`the kernel ${kernel.url} has no tenant with slug ${slug}; give the tenant's slug or id`);
}

function reportCapabilities(capabilities: readonly string[], report: (line: string) => void): void {
  if (capabilities.length === 0) {
    report('  asks for no capabilities');
    return;
  }
  report('  asks for:');
  for (const capability of capabilities) report(`    ${capability}`);
}

/** The dependencies to install with the plugin; refuses when some cannot be or were not asked for. */
function checkDependencies(preview: Preview, withDependencies: boolean): Preview['missing'] {
  const what = `${preview.pluginId} ${preview.version}`;
  const unavailable = preview.missing.filter((d) => d.version === null);
  if (unavailable.length > 0) {
    throw new CliError(
      `${what} cannot be installed: it needs plugins that are not installed and have no compatible version in the registry:`,
      unavailable.map((d) => `${d.pluginId} ${d.range}`),
    );
  }
  if (preview.missing.length > 0 && !withDependencies) {
    throw new CliError(
      `${what} needs plugins that are not installed; pass --with-dependencies to install them too:`,
      preview.missing.map((d) => `${d.pluginId} ${d.range} (${d.version} would be installed)`),
    );
  }
  return preview.missing;
}

async function approve(what: string, options: Pick<InstallOptions, 'yes' | 'confirm'>): Promise<void> {
  if (options.yes) return;
  const confirm = options.confirm ?? askOnTerminal;
  if (!(await confirm(`Install ${what} and grant these capabilities? [y/N] `))) {
    throw new CliError(`${what} was not installed`);
  }
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError('nothing installed: review the capabilities above, then run again with --yes to grant them');
  }
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}

function reportInstalled(installation: Installation, options: OperatorOptions): void {
  const others = installation.installed
    .filter((i) => i.pluginId !== installation.pluginId)
    .map((i) => `${i.pluginId} ${i.version}`);
  options.report(
    `installed ${installation.pluginId} ${installation.version}${others.length > 0 ? ` with ${others.join(', ')}` : ''}`,
  );
  options.report(
    `next: dotmac-plugin enable ${installation.pluginId} --kernel ${options.kernel} --tenant <tenant slug>`,
  );
}
