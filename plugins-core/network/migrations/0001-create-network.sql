-- The network an ISP runs: the places it stands (sites), the equipment in them (devices, the
-- NAS among them), the address space it hands out (pools and their assignments) and its VLANs.
-- Like every plugin table each holds tenant_id: the kernel puts row-level security on it.

-- A place: a POP, a tower, a datacenter, a street cabinet, a customer's premises.
create table sites (
  id uuid primary key,
  tenant_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('pop', 'tower', 'datacenter', 'cabinet', 'customer-premises')),
  -- WGS 84 degrees; both or neither.
  latitude double precision check (latitude between -90 and 90),
  longitude double precision check (longitude between -180 and 180),
  address text not null default '',
  notes text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((latitude is null) = (longitude is null))
);

-- A name names one site per tenant, whatever its case.
create unique index sites_name on sites (tenant_id, lower(name));
create index sites_by_name on sites (tenant_id, name, id);

-- A piece of equipment. Secrets (credentials, the RADIUS secret) are stored for the plugins
-- that need them (dotmac.radius reads NAS secrets through listNas) and never answered by a route.
create table devices (
  id uuid primary key,
  tenant_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('nas', 'router', 'olt', 'access-point', 'switch', 'cpe', 'other')),
  vendor text not null
    check (vendor in ('mikrotik', 'cisco', 'juniper', 'huawei', 'ubiquiti', 'cambium', 'nokia', 'other')),
  model text not null default '',
  site_id uuid references sites (id),
  -- An IPv4 or IPv6 literal in canonical text (the plugin writes it so), unique per tenant.
  management_address text,
  serial text,
  firmware text,
  status text not null check (status in ('planned', 'active', 'maintenance', 'offline', 'retired')),
  username text,
  password text,
  -- NAS only: the RADIUS shared secret, the CoA/Disconnect port (RFC 5176) and the attribute
  -- dialect; a null profile means the vendor's.
  radius_secret text,
  coa_port integer check (coa_port between 1 and 65535),
  radius_profile text check (radius_profile in ('mikrotik', 'cisco', 'wispr', 'generic')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((username is null) = (password is null)),
  check (kind = 'nas' or (radius_secret is null and coa_port is null and radius_profile is null)),
  check (kind <> 'nas' or (radius_secret is not null and coa_port is not null and management_address is not null))
);

create unique index devices_management_address on devices (tenant_id, management_address);
create index devices_by_name on devices (tenant_id, name, id);
create index devices_site on devices (site_id);

-- An address pool: a prefix cut into units of assign_prefix_length (single IPv4 addresses,
-- delegated IPv6 prefixes) that assignments take by index. The arithmetic columns are derived
-- from cidr, assign_prefix_length and gateway when the plugin writes the row, so that the
-- allocation query runs in SQL alone; numeric(39) holds any 128-bit value.
create table pools (
  id uuid primary key,
  tenant_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  family text not null check (family in ('ipv4', 'ipv6')),
  -- Canonical text of the network prefix (10.0.0.0/22, 2001:db8::/48).
  cidr text not null,
  -- dynamic: allocateAddress may pick it on its own; static: addresses are handed out on request only.
  kind text not null check (kind in ('dynamic', 'static')),
  assign_prefix_length smallint not null check (assign_prefix_length between 0 and 128),
  -- The first and last address of the prefix, as numbers: how overlaps are found.
  first_address numeric(39, 0) not null,
  last_address numeric(39, 0) not null,
  -- The indexes that may be handed out, first to last, but gateway_index.
  first_index numeric(39, 0) not null,
  last_index numeric(39, 0) not null,
  gateway text,
  gateway_index numeric(39, 0),
  dns_servers jsonb not null default '[]'::jsonb,
  site_id uuid references sites (id),
  -- A dotmac.catalog plan whose subscribers this pool serves; only stored and matched.
  plan_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (first_address <= last_address)
);

create unique index pools_name on pools (tenant_id, lower(name));
create index pools_by_name on pools (tenant_id, name, id);
create index pools_span on pools (tenant_id, family, first_address);

-- One row per tenant, locked by every pool creation and move, so that two requests cannot
-- both find no overlap and then both insert overlapping pools.
create table pool_layout_locks (
  tenant_id uuid primary key
);

-- A unit of a pool held by a subscription (dynamic: picked by the allocator; static: asked for)
-- or by a reservation (never handed out). host_index is its position in the pool; the address
-- is computed from it and the pool's prefix.
create table assignments (
  id uuid primary key,
  tenant_id uuid not null,
  pool_id uuid not null references pools (id),
  family text not null check (family in ('ipv4', 'ipv6')),
  host_index numeric(39, 0) not null check (host_index >= 0),
  kind text not null check (kind in ('dynamic', 'static', 'reservation')),
  subscription_id uuid,
  note text,
  created_at timestamptz not null,
  check ((kind = 'reservation') = (subscription_id is null))
);

-- No unit is ever held twice, and a subscription holds one unit per family.
create unique index assignments_host_index on assignments (tenant_id, pool_id, host_index);
create unique index assignments_subscription_family on assignments (tenant_id, subscription_id, family)
  where subscription_id is not null;
create index assignments_by_created on assignments (tenant_id, created_at, id);

-- An 802.1Q VLAN: its id is unique per site, or per tenant among VLANs that belong to no site.
create table vlans (
  id uuid primary key,
  tenant_id uuid not null,
  vlan_id integer not null check (vlan_id between 1 and 4094),
  name text not null check (length(name) between 1 and 200),
  purpose text not null
    check (purpose in ('management', 'subscriber', 'backhaul', 'voice', 'iptv', 'transit', 'other')),
  site_id uuid references sites (id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create unique index vlans_site_vlan_id on vlans (tenant_id, site_id, vlan_id) where site_id is not null;
create unique index vlans_tenant_vlan_id on vlans (tenant_id, vlan_id) where site_id is null;
create index vlans_by_vlan_id on vlans (tenant_id, vlan_id, id);
