-- The S3 archive of every topic in the S3 sink connector's layout (activities/archive.ts).
--
-- archive_checkpoint: per destination (s3://bucket/prefix), topic and partition, the offset after
-- the last range stored in S3. Separate from ingest_checkpoint: the archive never moves the live
-- ingest's offsets, and the live ingest never moves the archive's.
create table archive_checkpoint (
  destination text not null,
  topic       text not null,
  partition   integer not null check (partition >= 0),
  next_offset bigint not null check (next_offset >= 0),
  updated_at  timestamptz not null default now(),
  primary key (destination, topic, partition)
);

-- archive_object: every range, planned before its object is written. A range is decided once, by
-- the extract that first reaches its start offset, and never again: a retried or repeated extract
-- (a crash, PostgreSQL losing the staging) reads exactly [start_offset, end_offset], so one name
-- always holds one range and a rewrite is the same bytes. stored_at is set with the checkpoint,
-- after the object is in S3.
create table archive_object (
  destination    text not null,
  topic          text not null,
  partition      integer not null check (partition >= 0),
  start_offset   bigint not null check (start_offset >= 0),
  end_offset     bigint not null check (end_offset >= start_offset),
  key            text not null,
  messages       integer check (messages >= 0),
  bytes          bigint check (bytes >= 0),
  tombstones     integer check (tombstones >= 0),
  values_with_lf integer check (values_with_lf >= 0),
  etag           text,
  -- 'put': written by this attempt; 'found': already in S3 with the same size (a retry after the put).
  stored_by      text check (stored_by in ('put', 'found')),
  planned_at     timestamptz not null default now(),
  stored_at      timestamptz,
  primary key (destination, topic, partition, start_offset)
);
create index archive_object_unstored on archive_object (destination, topic, partition) where stored_at is null;

-- The body of each planned object, built by transform for load to put: part of the claim check,
-- unlogged like the rest of it (a PostgreSQL crash empties it; load then fails StagedBatchMissing
-- and the workflow extracts the same planned ranges again).
create unlogged table staged_archive_object (
  batch_id       uuid not null,
  partition      integer not null,
  start_offset   bigint not null,
  end_offset     bigint not null,
  key            text not null,
  body           bytea not null,
  messages       integer not null,
  tombstones     integer not null,
  values_with_lf integer not null,
  md5            text not null
);
create index staged_archive_object_batch on staged_archive_object (batch_id);

grant select, insert, update, delete on archive_checkpoint, archive_object, staged_archive_object
  to museum_writer;
