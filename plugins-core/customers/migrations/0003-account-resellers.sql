-- Resellers: an account may belong to a reseller (the reseller record a reseller-portal login
-- acts as, an opaque id of up to 100 characters, as dotmac.billing keeps it). The kernel's
-- restrictive policy on reseller_id shows a reseller-portal user only the accounts that are theirs.
alter table accounts add column reseller_id text check (reseller_id is null or length(reseller_id) between 1 and 100);

-- A reseller's customers, by name (the reseller portal's list).
create index accounts_by_reseller on accounts (tenant_id, reseller_id, name, id) where reseller_id is not null;
