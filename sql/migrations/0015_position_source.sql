-- Compact source positions (issue 21). A position (pipeline/position.ts) is a source prefix and a
-- sequence number: `kafka:<topic>:<partition>:` + offset, `s3:<bucket>/<key>@<etag>#` + line. A
-- stored event keeps only (source_id, source_seq), an integer and a bigint, 12 bytes: the prefix
-- is stored once here. The unique index of a position table was what grew with the rows (an S3
-- position is ~80 bytes of text); (source_id, source_seq) keeps it at the size of two numbers.
--
-- People and queries still see the readable form: source_position(source_id, source_seq).
-- Prefixes are only ever added, and an id never changes once committed, so a worker caches them
-- (pipeline/position.ts resolves them in their own autocommit statement, never in a load's
-- transaction, so an id it caches cannot be rolled back).
create table position_source (
  source_id integer generated always as identity primary key,
  prefix    text not null unique check (prefix ~ '[:#]$')
);

grant select, insert on position_source to museum_writer;
grant usage on all sequences in schema public to museum_writer;

-- The readable position, `kafka:lmnh:0:42` or `s3:bucket/key@etag#7`.
create function source_position(source_id integer, source_seq bigint) returns text
  language sql stable parallel safe
  return (select p.prefix || source_seq from position_source p where p.source_id = source_position.source_id);

-- The stored key of a readable position, for lookups by the text people see, through the unique
-- index (comparing source_position(...) instead would compute it for every row):
--   select * from rejected_event where (source_id, source_seq) = (select * from position_key('kafka:lmnh:0:42'));
create function position_key(readable text, out source_id integer, out source_seq bigint)
  language sql stable parallel safe
  as $$
    select p.source_id, substring(readable from '[0-9]+$')::bigint from position_source p
    where p.prefix = substring(readable from '^(.*[:#])[0-9]+$')
  $$;

-- Converts a table's `source_position text` column into (source_id, source_seq), with the prefixes
-- it needs, keyed by a unique (source_id, source_seq) when `keyed` (the permanent tables; staging
-- has no key). Each dataset's own migration calls it for its tables. Refuses to lose anything: every
-- converted row must read back as the text it had. The split is the one position.ts makes: the
-- prefix ends at the last `:` or `#` before the trailing digits. In place, in the migration's one
-- transaction: the update leaves each row's old version (and its entry in the new index) to the
-- next vacuum; at hundreds of millions of rows, vacuum and reindex the tables after the upgrade.
-- Measured (test/integration/compact-positions.test.ts), 100,000 history positions: the text
-- unique index 11.4 MB, (source_id, source_seq) 3.2 MB.
create procedure compact_source_positions(tab regclass, keyed boolean)
  language plpgsql as $$
declare
  prefix_of constant text := '^(.*[:#])[0-9]+$';
  lost bigint;
begin
  execute format(
    'insert into position_source (prefix)
     select distinct substring(source_position from %L) from %s order by 1 on conflict do nothing',
    prefix_of, tab);
  execute format('alter table %s add column source_id integer, add column source_seq bigint', tab);
  execute format(
    'update %s t set source_id = p.source_id, source_seq = substring(t.source_position from %L)::bigint
     from position_source p where p.prefix = substring(t.source_position from %L)',
    tab, '[0-9]+$', prefix_of);
  execute format(
    'select count(*) from %s where source_id is null
        or source_position(source_id, source_seq) is distinct from source_position', tab)
    into lost;
  if lost > 0 then
    raise exception '% rows of % do not convert losslessly', lost, tab;
  end if;
  execute format(
    'alter table %s drop column source_position,
       alter column source_id set not null, alter column source_seq set not null', tab);
  if keyed then
    execute format('alter table %s add unique (source_id, source_seq)', tab);
  end if;
end $$;
