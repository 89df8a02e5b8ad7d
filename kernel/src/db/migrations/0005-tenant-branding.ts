import { Migration } from '@mikro-orm/migrations';

/** A tenant's branding (logo, colours) for its portals; `{}` uses the shell's defaults. */
export class Migration0005TenantBranding extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table kernel.tenant add column branding jsonb not null default '{}'::jsonb
      check (jsonb_typeof(branding) = 'object')`);
  }
}
