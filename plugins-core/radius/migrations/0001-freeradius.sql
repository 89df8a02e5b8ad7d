-- The tables FreeRADIUS 3 reads and writes (rlm_sql, PostgreSQL dialect), as its stock schema.sql
-- has them, plus tenant_id on every one: the kernel keeps tenants apart by it, and FreeRADIUS
-- (which bypasses row-level security) filters every query by the tenant of the NAS the packet
-- came from (freeradius/queries.conf). Column names are the stock ones, lowercase.
-- Attribute rows (radcheck, radreply, radgroupcheck, radgroupreply) are
-- `<attribute> <op> <value>`, e.g. `Cleartext-Password := secret`, `Mikrotik-Rate-Limit = 10M/20M`.

-- Per-user check items: the password (Cleartext-Password), Auth-Type := Reject, limits.
create table radcheck (
  id bigserial primary key,
  tenant_id uuid not null,
  username text not null default '',
  attribute text not null default '',
  op varchar(2) not null default '==',
  value text not null default ''
);
create index radcheck_by_username on radcheck (tenant_id, username);

-- Per-user reply items: rate limit, Framed-IP-Address, Framed-IPv6-Prefix.
create table radreply (
  id bigserial primary key,
  tenant_id uuid not null,
  username text not null default '',
  attribute text not null default '',
  op varchar(2) not null default '=',
  value text not null default ''
);
create index radreply_by_username on radreply (tenant_id, username);

-- Check and reply items shared by the members of a group (e.g. the walled garden). Group names
-- are per tenant: two tenants may both have a group called walled-garden.
create table radgroupcheck (
  id bigserial primary key,
  tenant_id uuid not null,
  groupname text not null default '',
  attribute text not null default '',
  op varchar(2) not null default '==',
  value text not null default ''
);
create index radgroupcheck_by_groupname on radgroupcheck (tenant_id, groupname);

create table radgroupreply (
  id bigserial primary key,
  tenant_id uuid not null,
  groupname text not null default '',
  attribute text not null default '',
  op varchar(2) not null default '=',
  value text not null default ''
);
create index radgroupreply_by_groupname on radgroupreply (tenant_id, groupname);

-- Which groups a user is in, lowest priority first.
create table radusergroup (
  id bigserial primary key,
  tenant_id uuid not null,
  username text not null default '',
  groupname text not null default '',
  priority integer not null default 0
);
create index radusergroup_by_username on radusergroup (tenant_id, username);

-- The RADIUS clients (read_clients = yes, client_table = nas): one row per NAS address, across
-- all tenants, because FreeRADIUS knows a client by the address packets come from and that
-- address is how every query finds the tenant. nasname must therefore be an IP address written
-- as PostgreSQL and FreeRADIUS both print it (`10.0.0.1`, `2001:db8::1`): no host names, no
-- prefixes, no leading zeros, so that the text comparison with the packet's source matches.
create table nas (
  id bigserial primary key,
  tenant_id uuid not null,
  nasname text not null,
  shortname text not null,
  type text not null default 'other',
  ports integer,
  secret text not null,
  server text,
  community text,
  description text,
  constraint nas_nasname_unique unique (nasname),
  constraint nas_nasname_is_an_address check (nasname = host(nasname::inet))
);
create index nas_by_tenant on nas (tenant_id);

-- One row per session, from Accounting-Request Start / Interim-Update / Stop. Octets include
-- the Gigawords (2^32 multiples). nasipaddress is the NAS-IP-Address (or NAS-IPv6-Address) the NAS
-- reports, or the packet's source when it reports none; nasname (not in the stock schema) is the
-- packet's source, the nas row the session came through: join nas on it, not on nasipaddress,
-- which differs from the source behind NAT or on a NAS with several interfaces.
create table radacct (
  radacctid bigserial primary key,
  tenant_id uuid not null,
  acctsessionid text not null,
  acctuniqueid text not null,
  username text,
  realm text,
  nasipaddress inet not null,
  nasname text,
  nasportid text,
  nasporttype text,
  acctstarttime timestamptz,
  acctupdatetime timestamptz,
  acctstoptime timestamptz,
  acctinterval bigint,
  acctsessiontime bigint,
  acctauthentic text,
  connectinfo_start text,
  connectinfo_stop text,
  acctinputoctets bigint,
  acctoutputoctets bigint,
  calledstationid text,
  callingstationid text,
  acctterminatecause text,
  servicetype text,
  framedprotocol text,
  framedipaddress inet,
  framedipv6address inet,
  framedipv6prefix inet,
  framedinterfaceid text,
  delegatedipv6prefix inet,
  class text
);
-- The accounting queries' ON CONFLICT target. Unique per tenant, not globally: a NAS of another
-- tenant that sends the same session attributes can neither take over nor block a session.
create unique index radacct_by_uniqueid on radacct (tenant_id, acctuniqueid);
-- Who is online now (sessions, CoA and Disconnect targets), and Accounting-On/Off closing a NAS's sessions.
create index radacct_open_by_username on radacct (tenant_id, username) where acctstoptime is null;
create index radacct_open_by_nas on radacct (tenant_id, nasipaddress) where acctstoptime is null;
-- Sessions whose NAS stopped sending interim updates (stale), and usage over a period (data caps).
create index radacct_open_by_updatetime on radacct (tenant_id, acctupdatetime) where acctstoptime is null;
create index radacct_by_username_start on radacct (tenant_id, username, acctstarttime);

-- One row per Access-Request answered: who, through which NAS, and whether they were let in. The
-- password is never written (pass stays null; the column is kept for tools that expect it).
create table radpostauth (
  id bigserial primary key,
  tenant_id uuid not null,
  username text not null,
  pass text,
  reply text,
  calledstationid text,
  callingstationid text,
  nasipaddress inet,
  authdate timestamptz not null default now(),
  class text
);
create index radpostauth_by_username on radpostauth (tenant_id, username, authdate);
