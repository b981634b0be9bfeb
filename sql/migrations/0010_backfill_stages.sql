-- The backfill as extract, transform and load activities over the live path's claim check
-- (0008): a history file is staged as a run of chunk batches in staged_batch, its lines in
-- staged_message (partition 0, offset = line number, value = the line's bytes) and its verdicts in
-- staged_kiosk_verdict. What a file needs beyond its chunks lives in staged_file: a Kafka batch
-- is whole at extract and resumes from the checkpoint, while a file is extracted over many
-- chunks, resumes at a byte offset, and is judged with state carried from chunk to chunk (the
-- CSV header).
--
-- Unlogged like the rest of the staging: a PostgreSQL crash empties it, the next stage sees the
-- file gone (StagedBatchMissing) and the workflow extracts the file again from line 1.

create unlogged table staged_file (
  -- Also the loaded_batch id once the file is loaded, so a load retried after its commit reports
  -- what it wrote.
  file_id            uuid primary key default gen_random_uuid(),
  dataset            text not null,
  -- s3:<bucket>/<key>@<etag>: the position prefix of the file's rows, and its chunks' source.
  source             text not null unique,
  bucket             text not null,
  key                text not null,
  etag               text not null,
  -- Extract: last line staged, the byte just past it (where a retried extract resumes), chunk
  -- batches staged, and whether the object's end was reached.
  line_reached       bigint not null default 0 check (line_reached >= 0),
  byte_offset        bigint not null default 0 check (byte_offset >= 0),
  chunks             integer not null default 0 check (chunks >= 0),
  extracted          boolean not null default false,
  -- Transform: chunks judged so far and the judge's state after them (the dataset's JSON: header,
  -- running counts), so a retried transform goes on after the last judged chunk.
  transformed_chunks integer not null default 0 check (transformed_chunks >= 0),
  judge_state        jsonb,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);
create index staged_file_updated on staged_file (updated_at);

grant select, insert, update, delete on staged_file to museum_writer;

-- The single-activity backfill's staging, replaced by the above.
drop table backfill_staging;
drop table backfill_load;
