// Plugin-to-plugin services: a plugin calls a function another plugin exports, for the tenant
// of its own call. Both sides declare it (the resolver checks that at load); here each call is
// checked again, validated in and out against the exporter's schemas, and refused when the
// exporting plugin is off for the tenant.
import { Entry } from '@dotmac/schemas/contract/entries';
import type { PluginManifest } from '@dotmac/schemas/types/plugin-manifest';
import type { ValidateFunction } from 'ajv';
import { NotFoundError } from '../errors.ts';
import { compileSchema, type JsonSchema, validateOrThrow } from '../validation.ts';
import type { PluginEnablement } from './enablement.ts';
import { PluginRouteProblem, routeProblem } from './refusal.ts';
import type { CallerScope, PluginSandbox } from './sandbox/index.ts';

interface ExportedFunction {
  readonly manifest: PluginManifest;
  readonly sandbox: PluginSandbox;
  readonly name: string;
  readonly input: ValidateFunction;
  readonly output: ValidateFunction;
}

/** The exported functions of the loaded plugins, by `<plugin id>.<function>`. */
export class PluginServices {
  private readonly exported = new Map<string, ExportedFunction>();

  constructor(private readonly enablement: PluginEnablement) {}

  /** Makes `manifest`'s exported functions callable, run in `sandbox` (replacing an earlier version's). */
  register(manifest: PluginManifest, sandbox: PluginSandbox): void {
    this.unregister(manifest.id);
    for (const fn of manifest.capabilities?.services?.exports ?? []) {
      this.exported.set(`${manifest.id}.${fn.name}`, {
        manifest,
        sandbox,
        name: fn.name,
        input: compileSchema(fn.input as JsonSchema),
        output: compileSchema(fn.output as JsonSchema),
      });
    }
  }

  /** Withdraws the functions `pluginId` exports. */
  unregister(pluginId: string): void {
    for (const [name, fn] of this.exported) if (fn.manifest.id === pluginId) this.exported.delete(name);
  }

  /**
   * Calls `target` for `tenantId` on behalf of `caller`, whose manifest the capability router
   * has already checked declares the call; `scope` is the portal user the call serves.
   */
  async call(
    caller: PluginManifest,
    target: string,
    tenantId: string,
    input: unknown,
    scope?: CallerScope,
  ): Promise<unknown> {
    const fn = this.exported.get(target);
    const label = `plugin ${caller.id}@${caller.version} calling ${target}`;
    if (!fn) throw new NotFoundError(`${label}: no loaded plugin exports ${target}`);
    const exporter = `${fn.manifest.id}@${fn.manifest.version}`;
    if (!(await this.enablement.isEnabled(tenantId, fn.manifest.id))) {
      throw new NotFoundError(`${label}: ${fn.manifest.id} is not enabled for this tenant`);
    }
    const valid = validateOrThrow(fn.input, input, `${label}: input does not match ${exporter}'s schema`, '/input');
    // The exporter serves the same user as the caller, within the same scope.
    const output = await fn.sandbox.invoke(tenantId, Entry.service(fn.name), valid, scope);
    // The exporter refused (RouteError): the caller gets that refusal, and it is nobody's fault.
    const problem = routeProblem(output);
    if (problem) throw new PluginRouteProblem(fn.manifest.id, problem);
    return validateOrThrow(fn.output, output, `${exporter}: ${fn.name} answered what its output schema refuses`, '');
  }
}
