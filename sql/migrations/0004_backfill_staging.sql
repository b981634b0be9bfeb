-- Backfill bookkeeping. A history file is staged chunk by chunk (resumable) and only moved into the
-- interaction tables in the one transaction that also records its manifest entry, so a re-uploaded
-- object replaces its earlier version atomically and readers never see half a file.

-- Unlogged: staging is scratch space. If PostgreSQL crashes these tables come back empty, the load
-- row and its staged rows vanish together, and the next attempt restarts the file from line 1.
create unlogged table backfill_load (
  load_id      bigint generated always as identity primary key,
  bucket       text not null,
  key          text not null,
  etag         text not null,
  -- Last line staged and the byte offset just past it: where a retried attempt resumes.
  line_reached integer not null default 0 check (line_reached >= 0),
  byte_offset  bigint not null default 0 check (byte_offset >= 0),
  -- The file's header (a JSON array of column names), needed to judge rows after a resume.
  header       jsonb,
  -- Running counts: ratings, requests, rejects, rejectsByReason, headerLines, blankLines.
  stats        jsonb not null default '{}',
  started_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  unique (bucket, key, etag)
);

-- kind: 0 rating (value = rating_id), 1 request (value = request_id), 2 reject.
create unlogged table backfill_staging (
  load_id       bigint not null,
  line          integer not null,
  kind          smallint not null check (kind in (0, 1, 2)),
  exhibition_id integer,
  value         smallint,
  event_at      timestamptz,
  raw           bytea,
  reason        text,
  detail        text
);
create index backfill_staging_load on backfill_staging (load_id);

-- rows = accepted rows (ratings + requests); complete = false when a row limit stopped the load early,
-- so the next run loads the file again instead of skipping it.
alter table backfill_manifest add column complete boolean not null default true;
alter table backfill_manifest add column lines bigint not null default 0 check (lines >= 0);

grant select, insert, update, delete on backfill_load, backfill_staging to museum_writer;
grant usage on all sequences in schema public to museum_writer;
