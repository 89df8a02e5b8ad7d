// The catalog: what an ISP sells. Plans (internet, voice, TV, other), add-ons and one-off items,
// each with versions that set prices per currency, billing cycle, payment, tax class, contract
// and internet specs from a date on. Routes for staff, services for the subscriptions plugin.
import { definePlugin } from '@dotmac/sdk';
import {
  actorOf,
  createPlan,
  getPlan,
  listPlans,
  type NewPlan,
  type PlanChanges,
  type PlanListQuery,
  updatePlan,
} from './plans.ts';
import { type AddonQuery, getPlanVersion, listAddons, type PlanVersionQuery } from './services.ts';
import { addVersion, cancelVersion, getVersion, listVersions, type NewVersion } from './versions.ts';

/** Route params after the kernel validated and coerced them (`version` is an integer). */
const versionNumber = (params: { readonly version: string }) => Number(params.version);

export default definePlugin({
  routes: {
    'GET /plans': (ctx, { query }) => listPlans(ctx, query as unknown as PlanListQuery),
    'POST /plans': (ctx, { body, caller }) => createPlan(ctx, body as NewPlan, actorOf(caller)),
    'GET /plans/:planId': (ctx, { params }) => getPlan(ctx, params.planId),
    'PATCH /plans/:planId': (ctx, { params, body }) => updatePlan(ctx, params.planId, body as PlanChanges),
    'GET /plans/:planId/versions': (ctx, { params }) => listVersions(ctx, params.planId),
    'POST /plans/:planId/versions': (ctx, { params, body, caller }) =>
      addVersion(ctx, params.planId, body as NewVersion, actorOf(caller)),
    'GET /plans/:planId/versions/:version': (ctx, { params }) => getVersion(ctx, params.planId, versionNumber(params)),
    'POST /plans/:planId/versions/:version/cancel': (ctx, { params }) =>
      cancelVersion(ctx, params.planId, versionNumber(params)),
  },
  services: {
    getPlanVersion: (ctx, input) => getPlanVersion(ctx, input as PlanVersionQuery),
    listAddons: (ctx, input) => listAddons(ctx, input as AddonQuery),
  },
});
