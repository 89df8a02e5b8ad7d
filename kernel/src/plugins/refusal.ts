// A plugin's refusal of a request or service call (the SDK's RouteError): an answer carrying a
// 4xx problem, which the host turns into that error for the caller. It is not a plugin fault.
import { PROBLEM_KEY, type RouteProblem } from '@dotmac/schemas/contract/entries';
import { DotmacError, type FieldProblem } from '../errors.ts';

/** A refusal a plugin route answered (`RouteError` in the SDK): its 4xx, not a plugin fault. */
export class PluginRouteProblem extends DotmacError {
  override readonly type = 'plugin-route';
  override readonly title = 'Request refused by the plugin';
  override readonly status: number;
  readonly errors: readonly FieldProblem[];
  constructor(pluginId: string, problem: RouteProblem) {
    super(`${pluginId}: ${problem.detail}`);
    this.status = problem.status;
    this.errors = problem.errors ?? [];
  }
}

/** The refusal a route answer carries, if it is one (a well-formed 4xx `RouteProblem`). */
export function routeProblem(answer: unknown): RouteProblem | undefined {
  if (answer === null || typeof answer !== 'object' || !Object.hasOwn(answer, PROBLEM_KEY)) return undefined;
  const p = (answer as Record<string, unknown>)[PROBLEM_KEY] as Partial<RouteProblem> | null;
  const valid =
    p !== null &&
    typeof p === 'object' &&
    Number.isInteger(p.status) &&
    (p.status as number) >= 400 &&
    (p.status as number) < 500 &&
    typeof p.detail === 'string' &&
    (p.errors === undefined ||
      (Array.isArray(p.errors) &&
        p.errors.every((e) => typeof e?.pointer === 'string' && typeof e?.detail === 'string')));
  if (!valid) return { status: 400, detail: 'the plugin refused the request' };
  return { status: p.status as number, detail: (p.detail as string).slice(0, 2000), errors: p.errors?.slice(0, 50) };
}
