// The operator installs, upgrades and uninstalls plugin packages: from the configured registries
// or from a file. Nothing runs that was not verified: checksums, a signature by a trusted
// publisher key, a valid manifest, a kernel range this kernel is in, dependencies at compatible
// versions (installed from a registry on request), and every capability approved by the operator.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import semver from 'semver';
import type { PluginRegistry, TrustedPublisherKey } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ConflictError, DotmacError, NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { appendAudit } from '../identity/audit.ts';
import type { Logger } from '../log.ts';
import { dropPluginDb } from './db/index.ts';
import type { Actor } from './enablement.ts';
import type { PluginHost } from './host.ts';
import type { PluginManifest } from './manifest.ts';
import {
  capabilitySummary,
  DEFAULT_PACKAGE_LIMITS,
  PackageError,
  type PluginPackage,
  readPackage,
  verifySignature,
} from './package.ts';
import type { DiscoveredPlugin } from './resolver.ts';

/** Where installed packages are unpacked, one folder per version, under DATA_DIR. */
export const PACKAGES_DIR = 'packages';
/** How often a process looks for installs made by the others. */
const SYNC_INTERVAL_MS = 5000;
/** The most a registry's JSON answer (a listing, a plugin page) may hold. */
const MAX_REGISTRY_JSON_BYTES = 8 * 1024 * 1024;
/** How long the kernel waits for a registry. */
const REGISTRY_TIMEOUT_MS = 15_000;

/** A version as a registry's plugin page lists it. */
interface RegistryVersion {
  readonly version: string;
  readonly kernel: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly deprecated: string | null;
  readonly yanked: string | null;
}

/** A plugin page of a registry (GET /api/v1/plugins/:id). */
interface RegistryPlugin {
  readonly id: string;
  readonly publisher: string;
  readonly versions: readonly RegistryVersion[];
}

/** What the operator asks to install. */
export interface InstallRequest {
  readonly pluginId: string;
  /** An exact version; absent: the highest version that is not yanked and fits this kernel. */
  readonly version?: string;
  /** The registry's URL; absent: the first configured registry that has the plugin. */
  readonly registry?: string;
  /** The capabilities the operator approves, as the preview lists them. */
  readonly approvedCapabilities: readonly string[];
  /** Install missing dependencies at compatible versions from the registries. */
  readonly installDependencies?: boolean;
}

/** A verified package about to be installed. */
interface Candidate {
  readonly pkg: PluginPackage;
  readonly bytes: Buffer;
  readonly source: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly notices: readonly string[];
}

/** What installing would do: the packages (dependencies first) and what they may do. */
export interface InstallPlan {
  readonly pluginId: string;
  readonly version: string;
  readonly publisher: string;
  readonly keyId: string;
  /** What the operator must approve: the plugin's capabilities, then each dependency's as `<id>: <capability>`. */
  readonly capabilities: string[];
  readonly dependencies: Readonly<Record<string, string>>;
  /** Dependencies not installed, with the version that would be installed (null: none compatible). */
  readonly missing: { pluginId: string; range: string; version: string | null }[];
  /** Deprecation notices of what would be installed. */
  readonly notices: string[];
}

/** An installed package, as the operator's list shows it. */
export interface InstalledPackage {
  readonly pluginId: string;
  readonly version: string;
  readonly source: string;
  readonly publisher: string;
  readonly keyId: string;
  readonly capabilities: string[];
  readonly installedAt: string;
  /** Yanked or deprecated at its registry (new installs are not offered a yanked version). */
  readonly warnings: string[];
}

export interface InstallerDependencies {
  readonly db: Database;
  readonly host: PluginHost;
  readonly registries: readonly PluginRegistry[];
  /** Keys trusted for every registry and for files. */
  readonly trustedKeys: readonly TrustedPublisherKey[];
  readonly dataDir: string;
  readonly kernelVersion: string;
  readonly log: Logger;
}

export class PluginInstaller {
  /** The installed packages this process runs, by id: version (what `sync` compares with). */
  private readonly running: Map<string, string>;
  private following: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  /** `restored`: the packages the host was loaded with (restorePackages at boot). */
  constructor(
    private readonly deps: InstallerDependencies,
    restored: readonly DiscoveredPlugin[] = [],
  ) {
    this.running = new Map(restored.map((p) => [p.manifest.id, p.manifest.version]));
  }

  /**
   * Follows the installs, upgrades and uninstalls other processes make (more API nodes, the
   * workers): every `intervalMs` it compares the active packages in the database with those
   * this process runs, and activates, replaces or removes the difference.
   */
  follow(intervalMs = SYNC_INTERVAL_MS): void {
    if (this.following) return;
    this.following = setInterval(() => {
      this.syncing ??= this.sync()
        .catch((e) => this.deps.log.warn({ err: e }, 'installed plugins could not be synchronised; retrying'))
        .finally(() => {
          this.syncing = undefined;
        });
    }, intervalMs);
    this.following.unref();
  }

  /** Stops following (the kernel is stopping); waits for a synchronisation under way. */
  async stop(): Promise<void> {
    clearInterval(this.following);
    this.following = undefined;
    await this.syncing;
  }

  /** Brings this process to the active packages in the database (see follow). */
  async sync(): Promise<void> {
    const rows = await this.deps.db.query<{ plugin_id: string; version: string }>(
      'select plugin_id, version from kernel.plugin_package where active',
    );
    const wanted = new Map(rows.map((r) => [r.plugin_id, r.version]));
    const same =
      wanted.size === this.running.size && [...wanted].every(([id, version]) => this.running.get(id) === version);
    if (same) return;
    const host = this.deps.host;
    for (const [id] of this.running) {
      if (wanted.has(id)) continue;
      if (host.list().some((p) => p.manifest.id === id)) await host.deactivate(id);
      this.running.delete(id);
    }
    // Dependencies first: what cannot resolve yet is tried again after the others.
    let pending = (await restorePackages(this.deps.db, this.deps.dataDir)).filter(
      (p) => this.running.get(p.manifest.id) !== p.manifest.version,
    );
    while (pending.length) {
      const failed: DiscoveredPlugin[] = [];
      let lastError: unknown;
      for (const p of pending) {
        const loaded = host.list().find((l) => l.manifest.id === p.manifest.id);
        try {
          await host.activate(p.manifest, p.dir, loaded ? 'replace' : 'add');
          this.running.set(p.manifest.id, p.manifest.version);
        } catch (e) {
          failed.push(p);
          lastError = e;
        }
      }
      if (failed.length === pending.length) throw lastError;
      pending = failed;
    }
  }

  /** The configured registries with the keys trusted for each (public keys only). */
  registries(): { url: string; trustedKeys: readonly TrustedPublisherKey[] }[] {
    return this.deps.registries.map((r) => ({ url: r.url, trustedKeys: r.trustedKeys }));
  }

  /** Searches every configured registry (query as the registry takes it), marking what fits this kernel. */
  async browse(query: Readonly<Record<string, string>>): Promise<{ registry: string; items: unknown[] }[]> {
    const search = new URLSearchParams(query).toString();
    return Promise.all(
      this.deps.registries.map(async (r) => {
        const answer = (await registryJson(r.url, `/api/v1/plugins${search ? `?${search}` : ''}`)) as {
          items: { kernel?: string }[];
        };
        const installed = new Map(this.deps.host.list().map((p) => [p.manifest.id, p.manifest.version]));
        return {
          registry: r.url,
          items: answer.items.map((item) => ({
            ...item,
            compatible: typeof item.kernel === 'string' && semver.satisfies(this.deps.kernelVersion, item.kernel),
            installed: installed.get((item as { id?: string }).id ?? '') ?? null,
          })),
        };
      }),
    );
  }

  /**
   * What installing `request` would install and ask approval for; installs nothing. For an
   * installed plugin, what upgrading it would (the newest fitting version above the installed).
   */
  async preview(request: Omit<InstallRequest, 'approvedCapabilities'>): Promise<InstallPlan> {
    const current = this.deps.host.list().find((p) => p.manifest.id === request.pluginId)?.manifest.version;
    const main = await this.fromRegistry(request.pluginId, request.version, request.registry, current);
    return this.plan(main, request.installDependencies ?? false, current !== undefined).then((p) => p.plan);
  }

  /** Installs a plugin from a registry (and, on request, its missing dependencies). */
  async install(request: InstallRequest, actor: Actor): Promise<InstallPlan & { installed: InstalledRef[] }> {
    const main = await this.fromRegistry(request.pluginId, request.version, request.registry);
    return this.installCandidate(main, request, actor);
  }

  /** Installs a package file (air-gapped installations): the same checks as from a registry. */
  async installFile(
    bytes: Buffer,
    request: Omit<InstallRequest, 'pluginId' | 'version' | 'registry'>,
    actor: Actor,
  ): Promise<InstallPlan & { installed: InstalledRef[] }> {
    const pkg = await readPackage(bytes);
    const trusted = [...this.deps.trustedKeys, ...this.deps.registries.flatMap((r) => r.trustedKeys)];
    const { publisher, keyId } = verifySignature(pkg, trusted);
    const main: Candidate = { pkg, bytes, source: 'file', publisher, keyId, notices: [] };
    return this.installCandidate(main, { ...request, pluginId: pkg.manifest.id }, actor);
  }

  /**
   * Upgrades an installed plugin to a newer version from a registry: its migrations run, it is
   * activated and the old version drained; if a migration or the activation fails, the old
   * version keeps serving with the schema and data it had.
   */
  async upgrade(
    pluginId: string,
    request: Omit<InstallRequest, 'pluginId' | 'installDependencies'>,
    actor: Actor,
  ): Promise<InstallPlan> {
    const current = this.deps.host.list().find((p) => p.manifest.id === pluginId);
    if (!current) throw new NotFoundError(`plugin ${pluginId} is not installed: install it first`);
    const next = await this.fromRegistry(pluginId, request.version, request.registry, current.manifest.version);
    const to = next.pkg.manifest.version;
    if (!semver.gt(to, current.manifest.version)) {
      throw new ConflictError(
        `${pluginId}@${to} is not newer than the installed ${pluginId}@${current.manifest.version}`,
      );
    }
    const { plan } = await this.plan(next, false, true);
    checkApproved(plan, request.approvedCapabilities);
    const dir = await this.unpack(next.pkg);
    try {
      await this.deps.host.activate(next.pkg.manifest, dir, 'replace');
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw new ConflictError(
        `the upgrade of ${pluginId} from ${current.manifest.version} to ${to} failed and was rolled back; ${current.manifest.version} still serves: ${(e as Error).message}`,
        { cause: e },
      );
    }
    await this.record(next, current.manifest.version, actor);
    this.running.set(pluginId, to);
    return plan;
  }

  /**
   * Uninstalls a package: switches it off for every tenant, stops it, and keeps or drops its
   * schema (the operator's explicit choice when it has one: its tables hold tenants' data).
   */
  async uninstall(pluginId: string, schema: 'keep' | 'drop' | undefined, actor: Actor): Promise<void> {
    const plugin = this.deps.host.list().find((p) => p.manifest.id === pluginId);
    const [row] = await this.deps.db.query<{ version: string }>(
      'select version from kernel.plugin_package where plugin_id = $1 and active',
      [pluginId],
    );
    if (!plugin) throw new NotFoundError(`plugin ${pluginId} is not installed`);
    if (!row) {
      throw new ConflictError(
        `plugin ${pluginId} is bundled with the kernel, not installed from a package: switch it off per tenant instead`,
      );
    }
    if (plugin.manifest.capabilities?.db && schema === undefined) {
      throw new ValidationError(`uninstalling ${pluginId} needs a choice: keep or drop its schema`, [
        { pointer: '/query/schema', detail: 'must be keep or drop: its tables hold the tenants’ data' },
      ]);
    }
    for (const tenantId of await this.deps.host.enablement.tenantsWith(pluginId)) {
      await this.deps.host.enablement.disable(tenantId, pluginId, actor);
    }
    await this.deps.host.deactivate(pluginId);
    await this.deps.db.transaction(async (tx) => {
      await appendAudit(tx, {
        tenantId: null,
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: 'plugin.uninstall',
        target: pluginId,
        data: { version: row.version, schema: schema ?? 'none' },
        requestId: actor.requestId ?? null,
      });
      await tx.query('update kernel.plugin_package set active = false where plugin_id = $1', [pluginId]);
      if (schema === 'drop') {
        await tx.query('delete from kernel.plugin_installation where plugin_id = $1', [pluginId]);
        await tx.query('delete from kernel.plugin_secret where plugin_id = $1', [pluginId]);
      }
    });
    this.running.delete(pluginId);
    if (schema === 'drop') await dropPluginDb(this.deps.db, pluginId);
    await rm(packageDir(this.deps.dataDir, pluginId, row.version), { recursive: true, force: true });
    this.deps.log.info({ plugin: pluginId, version: row.version, schema: schema ?? 'none' }, 'plugin uninstalled');
  }

  /** Takes back a package this request installed (a later one of the same request failed). */
  private async withdraw({ pluginId, version }: InstalledRef): Promise<void> {
    await this.deps.host.deactivate(pluginId);
    await this.deps.db.query('delete from kernel.plugin_package where plugin_id = $1 and version = $2', [
      pluginId,
      version,
    ]);
    this.running.delete(pluginId);
    await rm(packageDir(this.deps.dataDir, pluginId, version), { recursive: true, force: true });
  }

  /** Installed packages, with what their registries now say about them. */
  async list(): Promise<InstalledPackage[]> {
    const rows = await this.deps.db.query<{
      plugin_id: string;
      version: string;
      source: string;
      publisher: string;
      key_id: string;
      capabilities: string[];
      installed_at: string | Date;
    }>(
      `select plugin_id, version, source, publisher, key_id, capabilities, installed_at
         from kernel.plugin_package where active order by plugin_id`,
    );
    return Promise.all(
      rows.map(async (r) => ({
        pluginId: r.plugin_id,
        version: r.version,
        source: r.source,
        publisher: r.publisher,
        keyId: r.key_id,
        capabilities: r.capabilities,
        installedAt: new Date(r.installed_at).toISOString(),
        warnings: await this.warnings(r.source, r.plugin_id, r.version),
      })),
    );
  }

  private async warnings(source: string, pluginId: string, version: string): Promise<string[]> {
    if (source === 'file') return [];
    try {
      const page = (await registryJson(source, `/api/v1/plugins/${encodeURIComponent(pluginId)}`)) as RegistryPlugin;
      const listed = page.versions.find((v) => v.version === version);
      if (!listed) return [`${source} no longer lists ${pluginId}@${version}`];
      return [
        ...(listed.yanked ? [`yanked by its publisher: ${listed.yanked}`] : []),
        ...(listed.deprecated ? [`deprecated by its publisher: ${listed.deprecated}`] : []),
      ];
    } catch (e) {
      return [`cannot check with ${source}: ${(e as Error).message}`];
    }
  }

  private async installCandidate(
    main: Candidate,
    request: Omit<InstallRequest, 'version' | 'registry'>,
    actor: Actor,
  ): Promise<InstallPlan & { installed: InstalledRef[] }> {
    const { plan, order } = await this.plan(main, request.installDependencies ?? false, false);
    const refused = plan.missing.filter((m) => m.version === null || !request.installDependencies);
    if (refused.length) {
      throw new ConflictError(
        `cannot install ${plan.pluginId}@${plan.version}: ${refused
          .map((m) =>
            m.version === null
              ? `it needs ${m.pluginId} ${m.range}, and no registry has a compatible version`
              : `it needs ${m.pluginId} ${m.range}, which is not installed (${m.pluginId}@${m.version} is available: install dependencies too)`,
          )
          .join('; ')}`,
      );
    }
    checkApproved(plan, request.approvedCapabilities);
    const installed: InstalledRef[] = [];
    for (const candidate of order) {
      const { manifest } = candidate.pkg;
      const dir = await this.unpack(candidate.pkg);
      try {
        await this.deps.host.activate(manifest, dir, 'add');
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        // All or nothing: the dependencies installed for it go too (their schemas stay, as on
        // an uninstall that keeps them).
        for (const done of installed.reverse()) await this.withdraw(done);
        if (e instanceof DotmacError && e.status < 500) throw e;
        throw new ConflictError(
          `installing ${manifest.id}@${manifest.version} failed, and nothing was installed: ${(e as Error).message}`,
          { cause: e },
        );
      }
      await this.record(candidate, undefined, actor);
      this.running.set(manifest.id, manifest.version);
      installed.push({ pluginId: manifest.id, version: manifest.version });
    }
    return { ...plan, installed };
  }

  /**
   * The packages to install for `main` (dependencies first) and what the operator must approve.
   * Refuses a kernel range this kernel is not in and an installed dependency at an incompatible version.
   */
  private async plan(
    main: Candidate,
    withDependencies: boolean,
    upgrading: boolean,
  ): Promise<{ plan: InstallPlan; order: Candidate[] }> {
    const installed = new Map(this.deps.host.list().map((p) => [p.manifest.id, p.manifest]));
    const order: Candidate[] = [];
    const missing: InstallPlan['missing'] = [];
    const visit = async (candidate: Candidate, path: readonly string[]) => {
      const m = candidate.pkg.manifest;
      checkKernel(m, this.deps.kernelVersion);
      if (!upgrading && installed.has(m.id)) {
        throw new ConflictError(`${m.id} is already installed (${installed.get(m.id)?.version}): upgrade it instead`);
      }
      for (const [id, range] of Object.entries(m.dependencies ?? {})) {
        const have = installed.get(id);
        if (have) {
          if (!semver.satisfies(have.version, range)) {
            throw new ConflictError(
              `${m.id}@${m.version} needs ${id} ${range}; the installed ${id} is ${have.version}`,
            );
          }
          continue;
        }
        if (order.some((c) => c.pkg.manifest.id === id) || path.includes(id)) continue;
        const found = await this.compatibleVersion(id, range).catch(() => undefined);
        missing.push({ pluginId: id, range, version: found?.pkg.manifest.version ?? null });
        if (found && withDependencies) await visit(found, [...path, id]);
      }
      order.push(candidate);
    };
    await visit(main, [main.pkg.manifest.id]);
    const m = main.pkg.manifest;
    return {
      order,
      plan: {
        pluginId: m.id,
        version: m.version,
        publisher: main.publisher,
        keyId: main.keyId,
        capabilities: order.flatMap((c) =>
          capabilitySummary(c.pkg.manifest).map((line) => (c === main ? line : `${c.pkg.manifest.id}: ${line}`)),
        ),
        dependencies: { ...(m.dependencies ?? {}) },
        missing,
        notices: order.flatMap((c) => c.notices),
      },
    };
  }

  /** A verified package of `pluginId` from a registry: `version`, or the best that fits. */
  private async fromRegistry(
    pluginId: string,
    version: string | undefined,
    registryUrl: string | undefined,
    above?: string,
  ): Promise<Candidate> {
    const registries = registryUrl
      ? this.deps.registries.filter((r) => sameUrl(r.url, registryUrl))
      : this.deps.registries;
    if (registryUrl && registries.length === 0) {
      throw new ValidationError(`${registryUrl} is not a configured registry`, [
        { pointer: '/registry', detail: `must be one of PLUGIN_REGISTRIES: ${this.urls()}` },
      ]);
    }
    if (registries.length === 0) {
      throw new ConflictError('no plugin registry is configured (PLUGIN_REGISTRIES): install from a file instead');
    }
    for (const registry of registries) {
      const page = await registryPage(registry.url, pluginId);
      if (!page) continue;
      const chosen = this.choose(page, version, above);
      return this.download(registry, pluginId, chosen);
    }
    throw new NotFoundError(`no configured registry has plugin ${pluginId} (${this.urls()})`);
  }

  /** The version to install from a plugin page. */
  private choose(page: RegistryPlugin, version: string | undefined, above?: string): RegistryVersion {
    if (version !== undefined) {
      if (!semver.valid(version)) {
        throw new ValidationError(`${version} is not a version`, [
          { pointer: '/version', detail: 'must be a semantic version like 1.2.0' },
        ]);
      }
      const listed = page.versions.find((v) => v.version === version);
      if (!listed) {
        throw new NotFoundError(
          `${page.id}@${version} is not published (versions: ${page.versions.map((v) => v.version).join(', ') || 'none'})`,
        );
      }
      if (listed.yanked) {
        throw new ConflictError(
          `${page.id}@${version} was yanked by its publisher (${listed.yanked}); choose another version`,
        );
      }
      return listed;
    }
    const offered = page.versions.filter((v) => !v.yanked && (!above || semver.gt(v.version, above)));
    const fitting = offered
      .filter((v) => semver.satisfies(this.deps.kernelVersion, v.kernel))
      .sort((a, b) => semver.rcompare(a.version, b.version));
    const best = fitting[0];
    if (!best) {
      throw new ConflictError(
        `no version of ${page.id}${above ? ` above ${above}` : ''} fits kernel ${this.deps.kernelVersion}: ${
          offered.map((v) => `${v.version} needs kernel ${v.kernel}`).join(', ') || 'none is offered'
        }`,
      );
    }
    return best;
  }

  private async download(registry: PluginRegistry, pluginId: string, listed: RegistryVersion): Promise<Candidate> {
    const path = `/api/v1/plugins/${encodeURIComponent(pluginId)}/versions/${encodeURIComponent(listed.version)}/package`;
    const bytes = await registryBytes(registry.url, path);
    const pkg = await readPackage(bytes);
    const { publisher, keyId } = verifySignature(pkg, [...registry.trustedKeys, ...this.deps.trustedKeys]);
    if (pkg.manifest.id !== pluginId || pkg.manifest.version !== listed.version) {
      throw new ValidationError(
        `${registry.url} served ${pkg.manifest.id}@${pkg.manifest.version} for ${pluginId}@${listed.version}`,
        [{ pointer: '/package/plugin.json', detail: 'is not the plugin and version asked for' }],
      );
    }
    await refuseRevoked(registry.url, publisher, keyId, `${pluginId}@${listed.version}`);
    const notices = listed.deprecated ? [`${pluginId}@${listed.version} is deprecated: ${listed.deprecated}`] : [];
    return { pkg, bytes, source: registry.url, publisher, keyId, notices };
  }

  /** The highest non-yanked version of a dependency in `range` that fits this kernel, verified. */
  private async compatibleVersion(pluginId: string, range: string): Promise<Candidate | undefined> {
    for (const registry of this.deps.registries) {
      const page = await registryPage(registry.url, pluginId);
      const best = page?.versions
        .filter(
          (v) => !v.yanked && semver.satisfies(v.version, range) && semver.satisfies(this.deps.kernelVersion, v.kernel),
        )
        .sort((a, b) => semver.rcompare(a.version, b.version))[0];
      if (best) return this.download(registry, pluginId, best);
    }
    return undefined;
  }

  /** Writes a verified package's files to its own folder (replacing a half-written earlier try). */
  private async unpack(pkg: PluginPackage): Promise<string> {
    const dir = packageDir(this.deps.dataDir, pkg.manifest.id, pkg.manifest.version);
    await rm(dir, { recursive: true, force: true });
    for (const [path, content] of pkg.files) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await writeFile(join(dir, SHA_MARKER), pkg.sha256);
    return dir;
  }

  private async record(candidate: Candidate, replacing: string | undefined, actor: Actor): Promise<void> {
    const m = candidate.pkg.manifest;
    await this.deps.db.transaction(async (tx) => {
      await appendAudit(tx, {
        tenantId: null,
        actorType: actor.type,
        actorId: actor.id ?? null,
        action: replacing ? 'plugin.upgrade' : 'plugin.install',
        target: m.id,
        data: {
          version: m.version,
          ...(replacing ? { from: replacing } : {}),
          source: candidate.source,
          publisher: candidate.publisher,
          keyId: candidate.keyId,
          sha256: candidate.pkg.sha256,
          capabilities: capabilitySummary(m),
        },
        requestId: actor.requestId ?? null,
      });
      if (replacing) await tx.query('update kernel.plugin_package set active = false where plugin_id = $1', [m.id]);
      await tx.query(
        `insert into kernel.plugin_package
           (plugin_id, version, package, sha256, source, publisher, key_id, capabilities, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8, true)
         on conflict (plugin_id, version) do update set active = true, installed_at = now(),
           package = excluded.package, sha256 = excluded.sha256, source = excluded.source,
           publisher = excluded.publisher, key_id = excluded.key_id, capabilities = excluded.capabilities`,
        [
          m.id,
          m.version,
          candidate.bytes,
          candidate.pkg.sha256,
          candidate.source,
          candidate.publisher,
          candidate.keyId,
          capabilitySummary(m),
        ],
      );
    });
  }

  private urls(): string {
    return this.deps.registries.map((r) => r.url).join(', ') || 'none configured';
  }
}

/** A plugin and version that was installed. */
export interface InstalledRef {
  readonly pluginId: string;
  readonly version: string;
}

/**
 * Unpacks the active installed packages (each process does, at boot) and answers them for the
 * plugin host. A folder already holding the same bytes is reused.
 */
export async function restorePackages(db: Database, dataDir: string): Promise<DiscoveredPlugin[]> {
  const rows = await db.query<{ plugin_id: string; version: string; sha256: string; package: Buffer }>(
    'select plugin_id, version, sha256, package from kernel.plugin_package where active order by plugin_id',
  );
  return Promise.all(
    rows.map(async (r) => {
      const pkg = await readPackage(r.package);
      const dir = packageDir(dataDir, r.plugin_id, r.version);
      const marker = await readFile(join(dir, SHA_MARKER), 'utf8').catch(() => undefined);
      if (marker !== r.sha256) {
        await rm(dir, { recursive: true, force: true });
        for (const [path, content] of pkg.files) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
        await writeFile(join(dir, SHA_MARKER), r.sha256);
      }
      return { dir, manifest: pkg.manifest };
    }),
  );
}

/**
 * The operator trusts the key, but its publisher may have revoked it since (lost, leaked): the
 * registry says so on the publisher's page, and such a signature no longer counts. Only ever
 * one more refusal: a registry cannot make the kernel trust a key.
 */
async function refuseRevoked(base: string, publisher: string, keyId: string, what: string): Promise<void> {
  const response = await registryFetch(base, `/api/v1/publishers/${encodeURIComponent(publisher)}`);
  if (response.status === 404) {
    await response.body?.cancel();
    return;
  }
  if (!response.ok) {
    throw new UnavailableError(`registry ${base} answered ${response.status} for publisher ${publisher}`);
  }
  const page = parseJson(base, publisher, await boundedBody(base, response, MAX_REGISTRY_JSON_BYTES)) as {
    revokedKeys?: { keyId: string; revokedAt: string; reason: string }[];
  };
  const revoked = (page.revokedKeys ?? []).find((k) => k.keyId === keyId);
  if (revoked) {
    throw new PackageError(
      'untrusted',
      `${what} is signed with key ${keyId}, which publisher ${publisher} revoked at ${base} on ${revoked.revokedAt} (${revoked.reason})`,
    );
  }
}

/** Names the bytes a package folder was unpacked from. */
const SHA_MARKER = '.package-sha256';

function packageDir(dataDir: string, pluginId: string, version: string): string {
  return join(dataDir, PACKAGES_DIR, `${pluginId}@${version}`);
}

function checkKernel(m: PluginManifest, kernelVersion: string): void {
  if (!semver.satisfies(kernelVersion, m.engines.kernel)) {
    throw new ConflictError(`${m.id}@${m.version} needs kernel ${m.engines.kernel}; this kernel is ${kernelVersion}`);
  }
}

/** Every capability of the plan must be among those approved; refused listing the rest. */
function checkApproved(plan: InstallPlan, approved: readonly string[]): void {
  const given = new Set(approved);
  const missing = plan.capabilities.filter((c) => !given.has(c));
  if (missing.length) {
    throw new ValidationError(
      `${plan.pluginId}@${plan.version} asks for capabilities the operator has not approved: ${missing.join('; ')}`,
      missing.map((c) => ({ pointer: '/approvedCapabilities', detail: `must include "${c}"` })),
    );
  }
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

async function registryFetch(base: string, path: string): Promise<Response> {
  const url = `${base.replace(/\/+$/, '')}${path}`;
  try {
    return await fetch(url, { signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS), redirect: 'error' });
  } catch (e) {
    throw new UnavailableError(`registry ${base} cannot be reached: ${(e as Error).message}`, { cause: e });
  }
}

async function registryJson(base: string, path: string): Promise<unknown> {
  const response = await registryFetch(base, path);
  if (!response.ok) {
    throw new UnavailableError(`registry ${base} answered ${response.status} to ${path}: ${await response.text()}`);
  }
  return parseJson(base, path, await boundedBody(base, response, MAX_REGISTRY_JSON_BYTES));
}

function parseJson(base: string, path: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new UnavailableError(`registry ${base} answered ${path} with something that is not JSON`);
  }
}

/**
 * A registry's answer, read up to `max` bytes: a registry (or whatever answers at its URL)
 * cannot make the kernel hold more than that in memory.
 */
async function boundedBody(base: string, response: Response, max: number): Promise<Buffer> {
  const tooLarge = () => new UnavailableError(`registry ${base} answered with more than ${max} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > max) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(Buffer.from(read.value));
  }
  return Buffer.concat(chunks);
}

async function registryPage(base: string, pluginId: string): Promise<RegistryPlugin | undefined> {
  const response = await registryFetch(base, `/api/v1/plugins/${encodeURIComponent(pluginId)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) {
    throw new UnavailableError(
      `registry ${base} answered ${response.status} for ${pluginId}: ${await response.text()}`,
    );
  }
  return parseJson(base, pluginId, await boundedBody(base, response, MAX_REGISTRY_JSON_BYTES)) as RegistryPlugin;
}

async function registryBytes(base: string, path: string): Promise<Buffer> {
  const response = await registryFetch(base, path);
  if (!response.ok) {
    throw new UnavailableError(`registry ${base} answered ${response.status} to ${path}: ${await response.text()}`);
  }
  return boundedBody(base, response, DEFAULT_PACKAGE_LIMITS.maxBytes);
}
