// What the catalog's tests share: the times they move the clock between, plan bodies of each
// kind, and the shapes the API answers with.
import type { Testbed, TestResponse } from '@dotmac/sdk/testing';
import { expect } from 'vitest';
import type { Plan, PlanVersion } from '../src/server/queries.ts';

export type { Plan, PlanVersion };

/** Where every testbed's clock starts. */
export const START = '2026-03-02T08:00:00.000Z';
const DAY_MS = 86_400_000;

/** START plus `n` days, ISO. */
export const day = (n: number) => new Date(Date.parse(START) + n * DAY_MS).toISOString();

/** A problem+json answer. */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { readonly pointer: string; readonly detail: string }[];
}

/** A page of GET /plans. */
export interface PlanPage {
  readonly items: Plan[];
  readonly nextCursor: string | null;
}

/** Routes of the catalog, whichever plugin a testbed tests (the services spec tests a probe). */
export const CATALOG = { plugin: 'dotmac.catalog' } as const;

let codes = 0;
/** A code no other test has used. */
export const freshCode = (prefix = 'PLAN') => `${prefix}-${++codes}`;

/** A valid new internet plan, with `overrides`. */
export const internetPlan = (overrides: Record<string, unknown> = {}) => ({
  code: freshCode('FIBRE'),
  name: 'Fibre 100',
  kind: 'internet',
  prices: { USD: '29.99' },
  internet: { downloadKbps: 100_000, uploadKbps: 20_000 },
  ...overrides,
});

/** Creates a plan for `tenant` and answers it; fails the test unless it is created. */
export async function createPlan(bed: Testbed, tenant: string, body: Record<string, unknown>): Promise<Plan> {
  const created = await bed.request<Plan>(tenant, 'POST /plans', body, CATALOG);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

/** Adds a version to a plan and answers it; fails the test unless it is created. */
export async function addVersion(
  bed: Testbed,
  tenant: string,
  planId: string,
  body: Record<string, unknown>,
): Promise<PlanVersion> {
  const added = await bed.request<PlanVersion>(tenant, `POST /plans/${planId}/versions`, body, CATALOG);
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return added.body;
}

/** The pointers of a 400 problem's errors (fails the test unless the answer is a 400). */
export function refusedFields(answer: TestResponse<unknown>): string[] {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  return ((answer.body as Problem).errors ?? []).map((e) => e.pointer);
}
