-- Dashboards (issue 7): an hourly rollup of both interaction tables, kept exact and fresh without
-- ever making ingest wait, plus the views the dashboard reads as museum_reporting.
--
-- How the rollup stays exact:
--   * statement-level AFTER triggers on rating_interaction and request_interaction append one delta row
--     per (hour, exhibition) of the statement's rows to reporting.interaction_hourly_pending
--     (negative deltas for DELETE, both for UPDATE). Appends never conflict, so concurrent loads never
--     wait on each other because of the rollup.
--   * reporting.refresh_interaction_hourly() folds committed deltas into reporting.interaction_hourly.
--     It runs at the end of each trigger, but only if pg_try_advisory_xact_lock gets the fold lock:
--     a transaction that cannot get it just leaves its deltas for the next fold. Nothing ever waits.
--   * readers use reporting.interaction_hourly_live = rollup UNION ALL pending deltas, which one
--     statement's snapshot sees consistently (a fold deletes deltas and adds them to the rollup in one
--     transaction). So the numbers are exact at any moment, whether or not a fold has run.
--
-- Two levels, both exact:
--   * reporting.interaction_hourly: whole UTC hours (date_bin). For museum time zones with whole-hour
--     offsets (Europe/London) those are exactly the museum's local hours: hour buckets and hours of day.
--   * reporting.interaction_daily: museum days, in the zone held by reporting.rollup_setting (default
--     Europe/London): ten times fewer rows, for every total over a range of days and for day and week
--     buckets. The dashboard uses it only when that zone is its MUSEUM_TIME_ZONE; otherwise it answers
--     from the hourly level (slower, same numbers). reporting.set_rollup_time_zone(zone) changes it.

create table reporting.interaction_hourly (
  hour_start    timestamptz not null,
  exhibition_id integer not null,
  rating_0      integer not null default 0,
  rating_1      integer not null default 0,
  rating_2      integer not null default 0,
  rating_3      integer not null default 0,
  rating_4      integer not null default 0,
  assistance    integer not null default 0,
  emergency     integer not null default 0,
  primary key (hour_start, exhibition_id)
);

-- Deltas not yet folded: append-only for loaders, drained by the fold. No index: it stays small.
create table reporting.interaction_hourly_pending (
  hour_start    timestamptz not null,
  exhibition_id integer not null,
  rating_0      integer not null default 0,
  rating_1      integer not null default 0,
  rating_2      integer not null default 0,
  rating_3      integer not null default 0,
  rating_4      integer not null default 0,
  assistance    integer not null default 0,
  emergency     integer not null default 0
) with (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);

-- The museum's time zone as the daily level counts days in it (one row).
create table reporting.rollup_setting (
  only_row  boolean primary key default true check (only_row),
  time_zone text not null default 'Europe/London'
);
insert into reporting.rollup_setting default values;

create table reporting.interaction_daily (
  day           date not null,
  exhibition_id integer not null,
  rating_0      integer not null default 0,
  rating_1      integer not null default 0,
  rating_2      integer not null default 0,
  rating_3      integer not null default 0,
  rating_4      integer not null default 0,
  assistance    integer not null default 0,
  emergency     integer not null default 0,
  primary key (day, exhibition_id)
);

create view reporting.interaction_hourly_live as
select hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency
from reporting.interaction_hourly
union all
select hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency
from reporting.interaction_hourly_pending;

-- Pending deltas count on the museum day they fall in, so the daily view is exact too.
create view reporting.interaction_daily_live as
select day, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency
from reporting.interaction_daily
union all
select (p.hour_start at time zone s.time_zone)::date, p.exhibition_id, p.rating_0, p.rating_1, p.rating_2,
       p.rating_3, p.rating_4, p.assistance, p.emergency
from reporting.interaction_hourly_pending p cross join reporting.rollup_setting s;

/** Folds committed deltas into the rollup; returns the rollup rows touched, or -1 if a fold is running. */
create function reporting.refresh_interaction_hourly() returns bigint
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  touched bigint;
begin
  if not pg_try_advisory_xact_lock(hashtextextended('museum-etl:reporting.interaction_hourly', 0)) then
    return -1;
  end if;
  with drained as (
    delete from reporting.interaction_hourly_pending returning *
  ), summed as (
    select hour_start, exhibition_id,
           sum(rating_0) as r0, sum(rating_1) as r1, sum(rating_2) as r2, sum(rating_3) as r3,
           sum(rating_4) as r4, sum(assistance) as qa, sum(emergency) as qe
    from drained group by hour_start, exhibition_id
  ), daily as (
    insert into reporting.interaction_daily as d
      (day, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency)
    select (hour_start at time zone (select time_zone from reporting.rollup_setting))::date, exhibition_id,
           sum(r0), sum(r1), sum(r2), sum(r3), sum(r4), sum(qa), sum(qe)
    from summed group by 1, 2
    on conflict (day, exhibition_id) do update set
      rating_0 = d.rating_0 + excluded.rating_0,
      rating_1 = d.rating_1 + excluded.rating_1,
      rating_2 = d.rating_2 + excluded.rating_2,
      rating_3 = d.rating_3 + excluded.rating_3,
      rating_4 = d.rating_4 + excluded.rating_4,
      assistance = d.assistance + excluded.assistance,
      emergency = d.emergency + excluded.emergency
  )
  insert into reporting.interaction_hourly as h
    (hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency)
  select hour_start, exhibition_id, r0, r1, r2, r3, r4, qa, qe from summed
  on conflict (hour_start, exhibition_id) do update set
    rating_0 = h.rating_0 + excluded.rating_0,
    rating_1 = h.rating_1 + excluded.rating_1,
    rating_2 = h.rating_2 + excluded.rating_2,
    rating_3 = h.rating_3 + excluded.rating_3,
    rating_4 = h.rating_4 + excluded.rating_4,
    assistance = h.assistance + excluded.assistance,
    emergency = h.emergency + excluded.emergency;
  get diagnostics touched = row_count;
  return touched;
end $$;

/** Recomputes the rollup from the interaction tables (after a TRUNCATE, or to check it). Waits for folds. */
create function reporting.rebuild_interaction_hourly() returns bigint
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  total bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('museum-etl:reporting.interaction_hourly', 0));
  delete from reporting.interaction_hourly_pending;
  delete from reporting.interaction_hourly;
  delete from reporting.interaction_daily;
  insert into reporting.interaction_hourly
    (hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency)
  select hour_start, exhibition_id, sum(r0), sum(r1), sum(r2), sum(r3), sum(r4), sum(qa), sum(qe)
  from (
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00') as hour_start, exhibition_id,
           count(*) filter (where rating_id = 0) as r0, count(*) filter (where rating_id = 1) as r1,
           count(*) filter (where rating_id = 2) as r2, count(*) filter (where rating_id = 3) as r3,
           count(*) filter (where rating_id = 4) as r4, 0 as qa, 0 as qe
    from public.rating_interaction group by 1, 2
    union all
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id, 0, 0, 0, 0, 0,
           count(*) filter (where request_id = 0), count(*) filter (where request_id = 1)
    from public.request_interaction group by 1, 2
  ) t
  group by hour_start, exhibition_id;
  get diagnostics total = row_count;
  insert into reporting.interaction_daily
    (day, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4, assistance, emergency)
  select (hour_start at time zone (select time_zone from reporting.rollup_setting))::date, exhibition_id,
         sum(rating_0), sum(rating_1), sum(rating_2), sum(rating_3), sum(rating_4), sum(assistance),
         sum(emergency)
  from reporting.interaction_hourly group by 1, 2;
  return total;
end $$;

/** Counts museum days in another zone from now on (and recounts the past): for the schema owner only. */
create function reporting.set_rollup_time_zone(zone text) returns void
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform now() at time zone zone; -- an unknown zone fails here
  update reporting.rollup_setting set time_zone = zone;
  perform reporting.rebuild_interaction_hourly();
end $$;

create function reporting.queue_rating_delta() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  queued bigint := 0;
  n bigint;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into reporting.interaction_hourly_pending
      (hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4)
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id,
           count(*) filter (where rating_id = 0), count(*) filter (where rating_id = 1),
           count(*) filter (where rating_id = 2), count(*) filter (where rating_id = 3),
           count(*) filter (where rating_id = 4)
    from new_rows group by 1, 2;
    get diagnostics n = row_count;
    queued := queued + n;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    insert into reporting.interaction_hourly_pending
      (hour_start, exhibition_id, rating_0, rating_1, rating_2, rating_3, rating_4)
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id,
           -count(*) filter (where rating_id = 0), -count(*) filter (where rating_id = 1),
           -count(*) filter (where rating_id = 2), -count(*) filter (where rating_id = 3),
           -count(*) filter (where rating_id = 4)
    from old_rows group by 1, 2;
    get diagnostics n = row_count;
    queued := queued + n;
  end if;
  if queued > 0 then
    perform reporting.refresh_interaction_hourly();
  end if;
  return null;
end $$;

create function reporting.queue_request_delta() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
declare
  queued bigint := 0;
  n bigint;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    insert into reporting.interaction_hourly_pending (hour_start, exhibition_id, assistance, emergency)
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id,
           count(*) filter (where request_id = 0), count(*) filter (where request_id = 1)
    from new_rows group by 1, 2;
    get diagnostics n = row_count;
    queued := queued + n;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    insert into reporting.interaction_hourly_pending (hour_start, exhibition_id, assistance, emergency)
    select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id,
           -count(*) filter (where request_id = 0), -count(*) filter (where request_id = 1)
    from old_rows group by 1, 2;
    get diagnostics n = row_count;
    queued := queued + n;
  end if;
  if queued > 0 then
    perform reporting.refresh_interaction_hourly();
  end if;
  return null;
end $$;

create function reporting.rebuild_after_truncate() returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
begin
  perform reporting.rebuild_interaction_hourly();
  return null;
end $$;

-- A trigger with transition tables may name only one event, hence three per table.
create trigger rating_interaction_hourly_insert after insert on rating_interaction
  referencing new table as new_rows for each statement execute function reporting.queue_rating_delta();
create trigger rating_interaction_hourly_delete after delete on rating_interaction
  referencing old table as old_rows for each statement execute function reporting.queue_rating_delta();
create trigger rating_interaction_hourly_update after update on rating_interaction
  referencing old table as old_rows new table as new_rows
  for each statement execute function reporting.queue_rating_delta();
create trigger rating_interaction_hourly_truncate after truncate on rating_interaction
  for each statement execute function reporting.rebuild_after_truncate();

create trigger request_interaction_hourly_insert after insert on request_interaction
  referencing new table as new_rows for each statement execute function reporting.queue_request_delta();
create trigger request_interaction_hourly_delete after delete on request_interaction
  referencing old table as old_rows for each statement execute function reporting.queue_request_delta();
create trigger request_interaction_hourly_update after update on request_interaction
  referencing old table as old_rows new table as new_rows
  for each statement execute function reporting.queue_request_delta();
create trigger request_interaction_hourly_truncate after truncate on request_interaction
  for each statement execute function reporting.rebuild_after_truncate();

-- Rows already loaded before this migration.
select reporting.rebuild_interaction_hourly();

-- The latest emergencies: rare rows, found newest first without touching the other requests.
create index request_interaction_emergency_event_at on request_interaction (event_at) where request_id = 1;

create view reporting.emergency_event as
select rq.request_interaction_id, rq.event_at, rq.loaded_at, rq.exhibition_id, e.public_id, e.exhibition_name,
       f.floor_name
from request_interaction rq
join exhibition e using (exhibition_id)
join floor f using (floor_id)
where rq.request_id = 1; -- request_id = request_value (0006 relies on 0001's check); 1 is emergency

-- Only loaders (through the triggers) and the owner fold or rebuild; the dashboard only reads.
revoke execute on function reporting.refresh_interaction_hourly() from public;
revoke execute on function reporting.rebuild_interaction_hourly() from public;
revoke execute on function reporting.set_rollup_time_zone(text) from public;
revoke execute on function reporting.queue_rating_delta() from public;
revoke execute on function reporting.queue_request_delta() from public;
revoke execute on function reporting.rebuild_after_truncate() from public;

grant select on all tables in schema reporting to museum_reporting;
-- Views added to reporting by later migrations (run by the same owner) are readable too.
alter default privileges in schema reporting grant select on tables to museum_reporting;
