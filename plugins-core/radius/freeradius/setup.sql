-- The database role FreeRADIUS connects as, and exactly what it may do with dotmac.radius's
-- tables. Run it as a superuser in DotMac's database after the plugin is installed, and again
-- after an upgrade of the plugin: it converges (creates what is missing, revokes anything
-- granted beyond the list below) and is safe to run any number of times.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f setup.sql
--   psql "$DATABASE_URL" -c "alter role dotmac_freeradius password '…'"   -- unless the server trusts it
--
-- BYPASSRLS: FreeRADIUS serves every tenant, and cannot set the kernel's per-transaction tenant
-- setting; queries.conf filters every query by the tenant of the NAS the packet came from instead.
begin;

do $$
declare
  r pg_roles%rowtype;
begin
  select * into r from pg_roles where rolname = 'dotmac_freeradius';
  if not found then
    begin
      create role dotmac_freeradius login bypassrls noinherit;
    exception when duplicate_object or unique_violation then
      null; -- created at the same moment by another run (roles belong to the whole server)
    end;
  elsif r.rolsuper or not r.rolcanlogin or not r.rolbypassrls or r.rolcreatedb or r.rolcreaterole
      or r.rolreplication or r.rolinherit then
    -- Altered only when needed: two runs altering the same role at once would collide.
    alter role dotmac_freeradius login bypassrls nosuperuser nocreatedb nocreaterole noreplication noinherit;
  end if;
end
$$;

-- Nothing but what follows.
revoke all on schema plugin_dotmac_radius from dotmac_freeradius;
revoke all on all tables in schema plugin_dotmac_radius from dotmac_freeradius;
revoke all on all sequences in schema plugin_dotmac_radius from dotmac_freeradius;

grant usage on schema plugin_dotmac_radius to dotmac_freeradius;
-- Authorization reads users, groups and the NAS list (the RADIUS clients).
grant select on plugin_dotmac_radius.radcheck, plugin_dotmac_radius.radreply,
  plugin_dotmac_radius.radgroupcheck, plugin_dotmac_radius.radgroupreply,
  plugin_dotmac_radius.radusergroup, plugin_dotmac_radius.nas to dotmac_freeradius;
-- Accounting and post-auth write sessions and authentication records.
grant select, insert, update on plugin_dotmac_radius.radacct, plugin_dotmac_radius.radpostauth
  to dotmac_freeradius;
grant usage, select on sequence plugin_dotmac_radius.radacct_radacctid_seq,
  plugin_dotmac_radius.radpostauth_id_seq to dotmac_freeradius;

commit;
