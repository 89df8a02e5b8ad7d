// What the network plugin's tests share: the shapes its API answers with, and one helper per
// thing most tests make (a pool, a NAS), each failing the test unless it was made.
import type { Testbed, TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';
import type { Assignment } from '../src/server/assignments.ts';
import type { Device } from '../src/server/devices.ts';
import type { Pool } from '../src/server/pools.ts';
import type { Site } from '../src/server/sites.ts';
import type { Vlan } from '../src/server/vlans.ts';

export type { Assignment, Device, Pool, Site, Vlan };

/** Where every testbed's clock starts. */
export const START = '2026-03-02T08:00:00.000Z';

/** A refusal, as problem+json. */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { readonly pointer: string; readonly detail: string }[];
}

/** A page of a listing. */
export interface Page<Item> {
  readonly items: Item[];
  readonly nextCursor: string | null;
}

let uuids = 0;
/** A uuid no other test has used (a subscription's, a plan's: this plugin only stores them). */
export function freshUuid(): string {
  uuids += 1;
  const hex = uuids.toString(16).padStart(12, '0');
  return `5ab5c000-0000-4000-8000-${hex}`;
}

/** The body of a 2xx answer; fails the test with the problem otherwise. */
export function accepted<Body>(answer: TestResponse<unknown>, status = 201): Body {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body as Body;
}

/** The problem of a refusal with `status`; fails the test otherwise. */
export function refused(answer: TestResponse<unknown>, status: number): Problem {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return answer.body as Problem;
}

/** The pointers a refusal names. */
export const pointersOf = (problem: Problem) => (problem.errors ?? []).map((e) => e.pointer);

/** Creates a pool for `tenant`. */
export async function createPool(bed: Testbed, tenant: string, body: Record<string, unknown>): Promise<Pool> {
  return accepted<Pool>(await bed.request(tenant, 'POST /pools', body));
}

/** Takes a unit of pool `poolId` (dynamic unless the body says otherwise). */
export async function assign(
  bed: Testbed,
  tenant: string,
  poolId: string,
  body: Record<string, unknown>,
): Promise<Assignment> {
  return accepted<Assignment>(await bed.request(tenant, `POST /pools/${poolId}/assignments`, body));
}

/** A NAS body, with `overrides`. */
export const nasBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'bng-harbour-1',
  kind: 'nas',
  vendor: 'mikrotik',
  model: 'CCR2216',
  managementAddress: '192.0.2.10',
  radiusSecret: 's3cret-shared',
  credentials: { username: 'admin', password: 'hunter2' },
  ...overrides,
});
