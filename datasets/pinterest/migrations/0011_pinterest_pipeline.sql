-- The Pinterest dataset on the extract → transform → load pipeline (pipeline/pinterest/dataset.ts).
--
-- Every source position has exactly one outcome: a row, a duplicate or a reject. Rejects already
-- carry their position (pinterest.rejected_record); the two tables below record the other two, so
-- per type consumed = rows + duplicates + rejects can be proven from the database alone, and a
-- position processed again (retry, rewound checkpoint, re-run) is recognised instead of counted twice.

-- The position each stored row came from. The row tables keep the contract's exact columns; this
-- is their provenance, one line per row.
create table pinterest.row_origin (
  record_type     text not null check (record_type in ('pin', 'geo', 'user')),
  ind             integer not null,
  source_position text not null unique,
  loaded_at       timestamptz not null default now(),
  primary key (record_type, ind)
);

-- Records equal to the stored row of their identity: counted, never a second row, never a reject.
create table pinterest.duplicate_record (
  duplicate_record_id bigint generated always as identity primary key,
  record_type         text not null check (record_type in ('pin', 'geo', 'user')),
  source_position     text not null unique,
  ind                 integer not null,
  first_seen_at       timestamptz not null default now()
);
create index pinterest_duplicate_record_identity on pinterest.duplicate_record (record_type, ind);

-- Transform's verdicts, waiting for load. kind: 0 row (the cleaned row as the domain gives it, a
-- JSON object with the target table's columns), 2 reject. Whether a row is new, a duplicate or a
-- conflict is decided at load, against what is stored then.
create unlogged table staged_pinterest_verdict (
  batch_id        uuid not null,
  source_position text not null,
  partition       integer not null,
  "offset"        bigint not null,
  record_type     text not null,
  kind            smallint not null check (kind in (0, 2)),
  ind             integer,
  row_json        jsonb,
  raw             bytea,
  reason          text,
  detail          text
);
create index staged_pinterest_verdict_batch on staged_pinterest_verdict (batch_id);

grant select, insert, update, delete on pinterest.row_origin, pinterest.duplicate_record to museum_writer;
grant usage on all sequences in schema pinterest to museum_writer;
grant select, insert, update, delete on staged_pinterest_verdict to museum_writer;
