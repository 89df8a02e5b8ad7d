// Compile-time specification of definePlugin's types, checked by tsc and never run: route
// params come from the path, route keys must be "<METHOD> /path", capability clients are typed.
import { definePlugin } from '../src/index.ts';

export const typed = definePlugin({
  routes: {
    'GET /invoices/:id/lines/:line': async (ctx, { params }) => {
      const id: string = params.id;
      const line: string = params.line;
      // @ts-expect-error: the path has no :nope parameter
      const nope: string = params.nope;
      const rows = await ctx.db.query<{ n: number }>('select 1 as n');
      const n: number | undefined = rows[0]?.n;
      return { id, line, nope, n, now: (await ctx.clock.now()).toISOString() };
    },
    // @ts-expect-error: FETCH is not an HTTP method a route may use
    'FETCH /x': async () => null,
  },
  jobs: {
    nightly: async (ctx, data) => {
      await ctx.jobs.enqueue('nightly', data, { delayMs: 5 });
    },
  },
});
