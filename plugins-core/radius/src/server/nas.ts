// FreeRADIUS's clients: the tenant's NASes, copied from dotmac.network (which holds the devices
// and their shared secrets) into the nas table that FreeRADIUS reads at start (read_clients) and
// that every query resolves the tenant by. An address is one client across all tenants: a NAS
// whose address another tenant registered is left out and logged.
import type { PluginContext } from '@dotmac/sdk';
import type { Profile } from './attributes.ts';

interface NetworkNas {
  readonly deviceId: string;
  readonly name: string;
  readonly address: string;
  readonly vendor: string;
  readonly radiusProfile: Profile;
  readonly radiusSecret: string;
  readonly coaPort: number;
}

export async function syncNas(ctx: PluginContext): Promise<number> {
  const { items } = await ctx.services.call<{ items: NetworkNas[] }>('dotmac.network.listNas', {});
  const mine = await ctx.db.query<{ nasname: string; device_id: string | null }>(
    'select nasname, device_id::text from nas',
  );
  const wanted = new Set(items.map((n) => n.address));
  const gone = mine.filter((n) => !wanted.has(n.nasname)).map((n) => n.nasname);
  if (gone.length > 0) await ctx.db.query('delete from nas where nasname = any($1::text[])', [gone]);
  let kept = 0;
  for (const nas of items) {
    try {
      await ctx.db.query(
        `insert into nas (tenant_id, nasname, shortname, type, secret, description, device_id, coa_port, profile)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (nasname) do update set shortname = excluded.shortname, type = excluded.type,
           secret = excluded.secret, description = excluded.description, device_id = excluded.device_id,
           coa_port = excluded.coa_port, profile = excluded.profile`,
        [
          ctx.tenantId,
          nas.address,
          shortName(nas.name),
          nas.vendor === 'mikrotik' || nas.vendor === 'cisco' ? nas.vendor : 'other',
          nas.radiusSecret,
          nas.name,
          nas.deviceId,
          nas.coaPort,
          nas.radiusProfile,
        ],
      );
      kept += 1;
    } catch (e) {
      // Another tenant's row holds the address: row-level security refuses the update.
      await ctx.log.warn(`NAS ${nas.name} (${nas.address}) was not added: the address is another tenant's NAS`, {
        deviceId: nas.deviceId,
        error: (e as Error).message,
      });
    }
  }
  return kept;
}

/** FreeRADIUS's shortname: a short, plain name for its logs. */
const shortName = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 32) || 'nas';
