-- Usage by direction, for the customer portal's chart: of a day's bytes, how many went to the
-- subscriber (download, the NAS's Acct-Output-Octets) and how many came from them (upload,
-- Acct-Input-Octets). Null where the split is unknown: days counted before this migration, and
-- the days where a session counted before it grew; bytes stays the day's total either way.
alter table usage_daily add column download_bytes numeric(30, 0);
alter table usage_daily add column upload_bytes numeric(30, 0);

-- What of each session's running totals has been counted; null for sessions counted before this
-- migration, until their next growth is counted.
alter table session_usage add column counted_download numeric(30, 0);
alter table session_usage add column counted_upload numeric(30, 0);
