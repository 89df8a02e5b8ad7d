// Roles and permissions: a user may do exactly what one of their roles lists, nothing implied.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootTestKernel, createTenant, type TestKernel } from '../../../test/support/kernel.ts';
import { isAllowed, KERNEL_PERMISSIONS, Roles } from '../../src/identity/rbac.ts';
import { parseManifest } from '../../src/plugins/manifest.ts';

const billing = parseManifest(
  {
    id: 'test.billing',
    version: '1.0.0',
    name: 'Billing',
    description: 'Declares permissions.',
    publisher: 'Test',
    engines: { kernel: '^0.1.0' },
    permissions: [
      { name: 'test.billing.invoices.read', description: 'Read invoices.' },
      { name: 'test.billing.invoices.issue', description: 'Issue invoices.' },
      { name: 'test.billing.payments.read', description: 'Read payments.' },
      { name: 'test.billing.payments.refund', description: 'Refund payments.' },
    ],
  },
  'test',
);

let t: TestKernel;
let roles: Roles;
let tenant: string;
const catalogue = [...KERNEL_PERMISSIONS.map((p) => p.name), ...(billing.permissions ?? []).map((p) => p.name)];

async function newUser(portal: string): Promise<string> {
  const [row] = await t.kernel.db.query<{ id: string }>(
    `insert into kernel.app_user (tenant_id, email, portal, status) values ($1, $2, $3, 'active') returning id`,
    [tenant, `u-${Math.random().toString(36).slice(2)}@isp.test`, portal],
  );
  return row?.id as string;
}

beforeAll(async () => {
  t = await bootTestKernel();
  roles = new Roles(t.kernel.db, [billing]);
  tenant = await createTenant(t.kernel.db, 'rbac-isp');
});

afterAll(async () => {
  await t?.dispose();
});

describe(`roles and permissions on ${process.env.DOTMAC_TEST_DB}`, () => {
  test('a user is allowed a permission exactly when one of their roles holds it (any assignment)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(catalogue), { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        async (rolePermissions, assigned) => {
          const user = await newUser('admin');
          const ids = await t.kernel.db.transaction(async (tx) => {
            const made = [];
            for (const permissions of rolePermissions) {
              made.push(await roles.create(tx, tenant, { portal: 'admin', name: `role-${n++}`, permissions }));
            }
            const chosen = made.filter((_, i) => assigned[i]);
            await roles.assign(
              tx,
              tenant,
              user,
              chosen.map((r) => r.id),
            );
            return chosen;
          });
          const held = await roles.permissionsOf(user);
          for (const permission of catalogue) {
            const expected = ids.some((r) => r.permissions.includes(permission));
            expect(isAllowed(held, permission), permission).toBe(expected);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  test('the owner holds every permission, the viewer every read permission, other portals nothing by default', async () => {
    const ids = await t.kernel.db.transaction((tx) => roles.createBuiltins(tx, tenant));
    const owner = await newUser('admin');
    const viewer = await newUser('admin');
    const customer = await newUser('customer');
    await t.kernel.db.transaction(async (tx) => {
      await roles.assign(tx, tenant, owner, [ids['admin/owner'] as string]);
      await roles.assign(tx, tenant, viewer, [ids['admin/viewer'] as string]);
      await roles.assign(tx, tenant, customer, [ids['customer/customer'] as string]);
    });
    expect([...(await roles.permissionsOf(owner))].sort()).toEqual([...catalogue].sort());
    expect([...(await roles.permissionsOf(viewer))].sort()).toEqual(
      catalogue.filter((p) => p.endsWith('.read')).sort(),
    );
    expect(await roles.permissionsOf(customer)).toEqual(new Set());
    await expect(
      t.kernel.db.transaction((tx) => roles.setPermissions(tx, tenant, ids['admin/owner'] as string, [])),
    ).rejects.toThrow(/owner role always holds every permission/);
  });

  test('a role cannot list a permission no module defines, nor be given to a user of another portal', async () => {
    await expect(
      t.kernel.db.transaction((tx) =>
        roles.create(tx, tenant, { portal: 'admin', name: 'bogus', permissions: ['test.billing.everything'] }),
      ),
    ).rejects.toMatchObject({
      errors: [{ pointer: '/permissions/0', detail: expect.stringContaining('no installed module') }],
    });
    const technician = await newUser('technician');
    const role = await t.kernel.db.transaction((tx) =>
      roles.create(tx, tenant, { portal: 'admin', name: 'billing-clerk', permissions: ['test.billing.invoices.read'] }),
    );
    await expect(
      t.kernel.db.transaction((tx) => roles.assign(tx, tenant, technician, [role.id])),
    ).rejects.toMatchObject({
      errors: [{ pointer: '/roleIds/0', detail: expect.stringContaining('admin-portal role') }],
    });
  });

  test("a role of another tenant cannot be assigned, and another tenant's user cannot be given roles", async () => {
    const other = await createTenant(t.kernel.db, 'rbac-other');
    const theirs = await t.kernel.db.transaction((tx) =>
      roles.create(tx, other, { portal: 'admin', name: 'theirs', permissions: [] }),
    );
    const mine = await newUser('admin');
    await expect(t.kernel.db.transaction((tx) => roles.assign(tx, tenant, mine, [theirs.id]))).rejects.toMatchObject({
      errors: [{ pointer: '/roleIds/0', detail: `no role ${theirs.id} in this tenant` }],
    });
    await expect(t.kernel.db.transaction((tx) => roles.assign(tx, other, mine, []))).rejects.toThrow(/no user/);
  });
});
