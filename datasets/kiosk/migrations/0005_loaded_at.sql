-- When each row was written, so freshness (produce-to-commit latency) can be measured and shown.
-- now() is the loading transaction's start, a few milliseconds before its commit.
alter table rating_interaction add column loaded_at timestamptz not null default now();
alter table request_interaction add column loaded_at timestamptz not null default now();
