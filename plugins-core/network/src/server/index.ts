// dotmac.network: the network an ISP runs. Sites (POPs, towers, cabinets ...), the devices in
// them (NAS with their RADIUS settings), IP address management (IPv4 and IPv6 pools, the
// addresses and delegated prefixes they hand out to subscriptions, reservations) and VLANs.
// Routes for staff; services for provisioning (addresses) and radius (addresses, NAS list).
import { definePlugin, type PluginContext, type RouteRequest } from '@dotmac/sdk';
import {
  type AssignmentQuery,
  type AssignmentRequest,
  assignInPool,
  listAssignments,
  listPoolAssignments,
  releaseAssignment,
  releaseSubscription,
} from './assignments.ts';
import {
  createDevice,
  type DeviceFields,
  type DeviceQuery,
  deleteDevice,
  getDevice,
  listDevices,
  updateDevice,
} from './devices.ts';
import { queued } from './host-calls.ts';
import {
  createPool,
  deletePool,
  getPool,
  listPools,
  type NewPool,
  type PoolChanges,
  type PoolQuery,
  updatePool,
} from './pools.ts';
import * as services from './services.ts';
import { createSite, deleteSite, getSite, listSites, type SiteFields, type SiteQuery, updateSite } from './sites.ts';
import { createVlan, deleteVlan, getVlan, listVlans, updateVlan, type VlanFields, type VlanQuery } from './vlans.ts';

/** A route handler whose capability calls wait their turn (host-calls.ts). */
const inTurn =
  <Params>(handler: (ctx: PluginContext, request: RouteRequest<Params>) => Promise<unknown>) =>
  (ctx: PluginContext, request: RouteRequest<Params>) =>
    handler(queued(ctx), request);

/** A service whose capability calls wait their turn. */
const serviceInTurn =
  <Input>(handler: (ctx: PluginContext, input: Input) => Promise<unknown>) =>
  (ctx: PluginContext, input: unknown) =>
    handler(queued(ctx), input as Input);

type Id<Name extends string> = { readonly [K in Name]: string };

export default definePlugin({
  routes: {
    'GET /sites': inTurn((ctx, { query }) => listSites(ctx, query as SiteQuery)),
    'POST /sites': inTurn((ctx, { body }) => createSite(ctx, body as SiteFields)),
    'GET /sites/:siteId': inTurn<Id<'siteId'>>((ctx, { params }) => getSite(ctx, params.siteId)),
    'PATCH /sites/:siteId': inTurn<Id<'siteId'>>((ctx, { params, body }) =>
      updateSite(ctx, params.siteId, body as Partial<SiteFields>),
    ),
    'DELETE /sites/:siteId': inTurn<Id<'siteId'>>((ctx, { params }) => deleteSite(ctx, params.siteId)),

    'GET /devices': inTurn((ctx, { query }) => listDevices(ctx, query as DeviceQuery)),
    'POST /devices': inTurn((ctx, { body }) => createDevice(ctx, body as DeviceFields)),
    'GET /devices/:deviceId': inTurn<Id<'deviceId'>>((ctx, { params }) => getDevice(ctx, params.deviceId)),
    'PATCH /devices/:deviceId': inTurn<Id<'deviceId'>>((ctx, { params, body }) =>
      updateDevice(ctx, params.deviceId, body as Partial<DeviceFields>),
    ),
    'DELETE /devices/:deviceId': inTurn<Id<'deviceId'>>((ctx, { params }) => deleteDevice(ctx, params.deviceId)),

    'GET /pools': inTurn((ctx, { query }) => listPools(ctx, query as PoolQuery)),
    'POST /pools': inTurn((ctx, { body }) => createPool(ctx, body as NewPool)),
    'GET /pools/:poolId': inTurn<Id<'poolId'>>((ctx, { params }) => getPool(ctx, params.poolId)),
    'PATCH /pools/:poolId': inTurn<Id<'poolId'>>((ctx, { params, body }) =>
      updatePool(ctx, params.poolId, body as PoolChanges),
    ),
    'DELETE /pools/:poolId': inTurn<Id<'poolId'>>((ctx, { params }) => deletePool(ctx, params.poolId)),
    'GET /pools/:poolId/assignments': inTurn<Id<'poolId'>>((ctx, { params, query }) =>
      listPoolAssignments(ctx, params.poolId, query as AssignmentQuery),
    ),
    'POST /pools/:poolId/assignments': inTurn<Id<'poolId'>>((ctx, { params, body }) =>
      assignInPool(ctx, params.poolId, body as AssignmentRequest),
    ),

    'GET /assignments': inTurn((ctx, { query }) => listAssignments(ctx, query as AssignmentQuery)),
    'DELETE /assignments/:assignmentId': inTurn<Id<'assignmentId'>>((ctx, { params }) =>
      releaseAssignment(ctx, params.assignmentId),
    ),

    'GET /vlans': inTurn((ctx, { query }) => listVlans(ctx, query as VlanQuery)),
    'POST /vlans': inTurn((ctx, { body }) => createVlan(ctx, body as VlanFields)),
    'GET /vlans/:id': inTurn<Id<'id'>>((ctx, { params }) => getVlan(ctx, params.id)),
    'PATCH /vlans/:id': inTurn<Id<'id'>>((ctx, { params, body }) =>
      updateVlan(ctx, params.id, body as Partial<VlanFields>),
    ),
    'DELETE /vlans/:id': inTurn<Id<'id'>>((ctx, { params }) => deleteVlan(ctx, params.id)),
  },
  services: {
    allocateAddress: serviceInTurn(services.allocateAddress),
    releaseAddresses: serviceInTurn(async (ctx, input: { subscriptionId: string }) => ({
      released: await releaseSubscription(ctx, input.subscriptionId),
    })),
    listAssignments: serviceInTurn(services.listAssignments),
    listNas: serviceInTurn((ctx) => services.listNas(ctx)),
  },
});
