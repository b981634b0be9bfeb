-- A dataset that exists only in the tests: gallery climate readings. Version 9001 keeps it clear
-- of the product's migrations, which share one version sequence with every dataset's folder.
create table climate_sensor (sensor text primary key);

create table climate_reading (
  climate_reading_id bigint generated always as identity primary key,
  sensor             text not null,
  celsius            numeric(5, 2) not null,
  source_position    text not null unique,
  loaded_at          timestamptz not null default now()
);

create table climate_reject (
  climate_reject_id bigint generated always as identity primary key,
  source_position   text not null unique,
  raw               bytea not null,
  reason            text not null,
  detail            text not null,
  first_seen_at     timestamptz not null default now(),
  replayed_at       timestamptz,
  replay_outcome    text
);

-- staged_* with a batch_id: the engine's staging sweeps find it by that convention.
create unlogged table staged_climate_verdict (
  batch_id        uuid not null,
  source_position text not null,
  kind            smallint not null, -- 0 reading, 1 reject
  sensor          text,
  celsius         numeric(5, 2),
  raw             bytea,
  reason          text,
  detail          text
);
create index staged_climate_verdict_batch on staged_climate_verdict (batch_id);
