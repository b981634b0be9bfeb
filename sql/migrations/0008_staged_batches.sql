-- The claim check between the extract, transform and load activities. Extract stages a batch's raw
-- messages here and hands the next stages only the batch id; transform stages its verdicts beside
-- them; load moves the verdicts into the final tables and deletes the batch, in one transaction.
--
-- Unlogged: staging is scratch space. A PostgreSQL crash empties these tables; transform and load
-- notice the missing batch (staged_batch row gone) and the workflow extracts the range again.

create unlogged table staged_batch (
  batch_id   uuid primary key default gen_random_uuid(),
  -- The logical batch (e.g. `ingest-lmnh#42`): a retried extract of it replaces earlier attempts.
  batch_key  text not null,
  dataset    text not null,
  -- A Kafka topic for the live path.
  source     text not null,
  -- Kafka: {"<partition>": ["<first offset>", "<next offset>"]} for every partition read.
  ranges     jsonb not null default '{}',
  messages   integer not null default 0 check (messages >= 0),
  bytes      bigint not null default 0 check (bytes >= 0),
  stage      text not null default 'extracted' check (stage in ('extracted', 'transformed')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index staged_batch_key on staged_batch (batch_key);
create index staged_batch_updated on staged_batch (updated_at);

create unlogged table staged_message (
  batch_id  uuid not null,
  partition integer not null,
  "offset"  bigint not null,
  value     bytea,
  broker_at timestamptz
);
create index staged_message_batch on staged_message (batch_id);

-- kind: 0 rating (value = rating_id), 1 request (value = request_id), 2 reject.
create unlogged table staged_kiosk_verdict (
  batch_id        uuid not null,
  source_position text not null,
  kind            smallint not null check (kind in (0, 1, 2)),
  exhibition_id   integer,
  value           smallint,
  event_at        timestamptz,
  raw             bytea,
  reason          text,
  detail          text
);
create index staged_kiosk_verdict_batch on staged_kiosk_verdict (batch_id);

-- Logged: what each committed batch wrote, so a load retried after its commit (the worker died
-- before Temporal heard back) reports the same counts instead of a second, empty load.
create table loaded_batch (
  batch_id  uuid primary key,
  batch_key text not null,
  dataset   text not null,
  source    text not null,
  counts    jsonb not null,
  loaded_at timestamptz not null default now()
);
create index loaded_batch_loaded_at on loaded_batch (loaded_at);

grant select, insert, update, delete on staged_batch, staged_message, staged_kiosk_verdict, loaded_batch
  to museum_writer;
