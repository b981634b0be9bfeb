-- Accepted events, rejected events, and the bookkeeping that makes loads exactly-once.
-- source_position is an event's identity: kafka:<topic>:<partition>:<offset> or s3:<bucket>/<key>@<etag>#<line>.

create table rating_interaction (
  rating_interaction_id bigint generated always as identity primary key,
  exhibition_id         integer not null references exhibition,
  rating_id             smallint not null references rating,
  event_at              timestamptz not null,
  source_position       text not null unique
);

create table request_interaction (
  request_interaction_id bigint generated always as identity primary key,
  exhibition_id          integer not null references exhibition,
  request_id             smallint not null references request,
  event_at               timestamptz not null,
  source_position        text not null unique
);

create table rejected_event (
  rejected_event_id bigint generated always as identity primary key,
  source_position   text not null unique,
  raw               bytea not null,
  reason            text not null check (reason in (
                      'malformed', 'too_large', 'unexpected_key', 'missing_field', 'bad_at', 'bad_site',
                      'bad_val', 'bad_type', 'type_on_rating', 'unknown_site', 'out_of_hours', 'future_at')),
  detail            text not null default '',
  first_seen_at     timestamptz not null default now(),
  replayed_at       timestamptz,
  replay_outcome    text
);

create table ingest_checkpoint (
  topic       text not null,
  partition   integer not null check (partition >= 0),
  next_offset bigint not null check (next_offset >= 0),
  updated_at  timestamptz not null default now(),
  primary key (topic, partition)
);

create table backfill_manifest (
  bucket    text not null,
  key       text not null,
  etag      text not null,
  rows      bigint not null check (rows >= 0),
  rejects   bigint not null check (rejects >= 0),
  loaded_at timestamptz not null default now(),
  primary key (bucket, key)
);

-- The dashboards slice by time and by exhibition.
create index rating_interaction_event_at on rating_interaction (event_at);
create index rating_interaction_exhibition_event_at on rating_interaction (exhibition_id, event_at);
create index request_interaction_event_at on request_interaction (event_at);
create index request_interaction_exhibition_event_at on request_interaction (exhibition_id, event_at);
create index rejected_event_reason_seen on rejected_event (reason, first_seen_at);
