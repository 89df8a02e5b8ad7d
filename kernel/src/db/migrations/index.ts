// The kernel's migrations, in order. Forward-only: a released migration is never edited.
import { Migration0001KernelCore } from './0001-kernel-core.ts';
import { Migration0002PluginDb } from './0002-plugin-db.ts';
import { Migration0003PluginSecrets } from './0003-plugin-secrets.ts';
import { Migration0004Identity } from './0004-identity.ts';
import { Migration0005TenantBranding } from './0005-tenant-branding.ts';
import { Migration0006PluginPackages } from './0006-plugin-packages.ts';

export const kernelMigrations = [
  { name: '0001-kernel-core', class: Migration0001KernelCore },
  { name: '0002-plugin-db', class: Migration0002PluginDb },
  { name: '0003-plugin-secrets', class: Migration0003PluginSecrets },
  { name: '0004-identity', class: Migration0004Identity },
  { name: '0005-tenant-branding', class: Migration0005TenantBranding },
  { name: '0006-plugin-packages', class: Migration0006PluginPackages },
];
