// The installation the portal tests share: an ISP (journey-isp) with staff, a plan for sale,
// customers (Ada with an issued invoice and a customer-portal login; Ada and Carol belong to
// reseller North, Bob to reseller South), a technician, a platform operator, and another ISP with
// a customer of its own — everyone signed up through invitations, as people are.
import { randomUUID } from 'node:crypto';
import { signUpPortalUser } from '../../support/portal-users.ts';
import type { E2eInstallation } from './installation.ts';
import {
  as,
  BILLING_MODULES,
  expectStatus,
  grantReading,
  issueInvoice,
  type Login,
  openAccount,
  PASSWORD,
  type SeededTenant,
  seedTenant,
  signUpPlatformOperator,
  signUpTechnician,
} from './people.ts';

export interface PortalsWorld {
  readonly isp: SeededTenant;
  readonly otherIsp: SeededTenant;
  /** The plan staff sell: its name as the catalog shows it. */
  readonly planName: string;
  readonly accounts: { readonly ada: string; readonly bob: string; readonly carol: string; readonly zed: string };
  readonly names: { readonly ada: string; readonly bob: string; readonly carol: string; readonly zed: string };
  /** Ada's issued invoice. */
  readonly invoice: { readonly id: string; readonly number: string };
  readonly customerRoleId: string;
  readonly logins: {
    readonly ada: Login;
    readonly north: Login;
    readonly technician: Login;
    readonly operator: Login;
  };
}

const PLAN_NAME = 'Fibre 30';

async function createPlan(at: E2eInstallation, isp: SeededTenant): Promise<void> {
  const plan = await as(at, isp.staff, '/api/v1/p/dotmac.catalog/plans', {
    method: 'POST',
    body: {
      code: 'FIBRE-30',
      name: PLAN_NAME,
      kind: 'internet',
      prices: { USD: '30.00' },
      billingCycle: 'monthly',
      payment: 'prepaid',
      contractMonths: 0,
      internet: { downloadKbps: 30_000, uploadKbps: 10_000 },
    },
  });
  expectStatus(plan, 201);
}

export async function seedPortalsWorld(at: E2eInstallation): Promise<PortalsWorld> {
  const modules = [...BILLING_MODULES, 'dotmac.portal-admin'];
  const [isp, otherIsp] = await Promise.all([
    seedTenant(at, 'journey-isp', modules),
    seedTenant(at, 'other-isp', modules),
  ]);
  const north = randomUUID();
  const south = randomUUID();
  const names = { ada: 'Ada Lovelace', bob: 'Bob Kahn', carol: 'Carol Shaw', zed: 'Zed Elsewhere' };
  const [ada, bob, carol, zed] = await Promise.all([
    openAccount(at, isp, names.ada, north),
    openAccount(at, isp, names.bob, south),
    openAccount(at, isp, names.carol, north),
    openAccount(at, otherIsp, names.zed, north),
  ]);
  await createPlan(at, isp);
  const invoice = await issueInvoice(at, isp, ada, [
    { description: 'Wi-Fi router', unitPrice: '89.00' },
    { description: 'Installation', unitPrice: '50.00' },
  ]);
  const [customerRoleId, resellerRoleId, technicianRoleId] = await Promise.all([
    grantReading(at, isp, 'customer'),
    grantReading(at, isp, 'reseller'),
    grantReading(at, isp, 'technician'),
  ]);
  await signUpPortalUser(at, isp.staff, {
    email: `ada@${isp.host}`,
    portal: 'customer',
    subjectId: ada,
    roleId: customerRoleId,
  });
  await signUpPortalUser(at, isp.staff, {
    email: `north@${isp.host}`,
    portal: 'reseller',
    subjectId: north,
    roleId: resellerRoleId,
  });
  const technician = await signUpTechnician(at, isp, `tech@${isp.host}`, randomUUID(), technicianRoleId);
  const operator = await signUpPlatformOperator(at, 'operator@platform.test');
  const login = (email: string): Login => ({ email, password: PASSWORD, tenant: isp.slug });
  return {
    isp,
    otherIsp,
    planName: PLAN_NAME,
    accounts: { ada, bob, carol, zed },
    names,
    invoice,
    customerRoleId,
    logins: { ada: login(`ada@${isp.host}`), north: login(`north@${isp.host}`), technician, operator },
  };
}
