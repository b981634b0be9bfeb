-- Loads write each event once, with COPY (issue 21). What made a load slow was not the COPY but what
-- PostgreSQL checked and maintained for every row of it (measured: 1,000,000 ratings COPYed at 314k
-- rows/s with only the position key; 67k with the two foreign keys, checked row by row; 101-136k
-- with the two secondary indexes instead; 39-40k with everything).
--
-- Referential integrity, kept without a check per row:
--   * the rules judge every site against the catalogue, so a load only writes exhibitions that exist;
--   * each load locks the exhibitions, ratings and request types its rows refer to, FOR KEY SHARE, in
--     one statement per table (datasets/kiosk/catalogue-keys.ts), so none can go until it commits;
--   * the catalogue refuses to delete (or renumber) what interactions refer to (the triggers below).
alter table rating_interaction
  drop constraint rating_interaction_exhibition_id_fkey,
  drop constraint rating_interaction_rating_id_fkey;
alter table request_interaction
  drop constraint request_interaction_exhibition_id_fkey,
  drop constraint request_interaction_request_id_fkey;

create function catalogue_keeps_interactions() returns trigger language plpgsql as $$
declare
  referenced boolean;
begin
  if tg_table_name = 'exhibition' then
    referenced := exists (select 1 from rating_interaction where exhibition_id = old.exhibition_id)
               or exists (select 1 from request_interaction where exhibition_id = old.exhibition_id);
  elsif tg_table_name = 'rating' then
    referenced := exists (select 1 from rating_interaction where rating_id = old.rating_id);
  else
    referenced := exists (select 1 from request_interaction where request_id = old.request_id);
  end if;
  if referenced then
    raise exception '% % has interactions stored: it cannot be deleted or renumbered', tg_table_name, old
      using errcode = 'foreign_key_violation';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger exhibition_keeps_interactions before delete on exhibition
  for each row execute function catalogue_keeps_interactions();
create trigger rating_keeps_interactions before delete on rating
  for each row execute function catalogue_keeps_interactions();
create trigger rating_id_keeps_interactions before update of rating_id on rating
  for each row when (old.rating_id is distinct from new.rating_id) execute function catalogue_keeps_interactions();
create trigger request_keeps_interactions before delete on request
  for each row execute function catalogue_keeps_interactions();
create trigger request_id_keeps_interactions before update of request_id on request
  for each row when (old.request_id is distinct from new.request_id) execute function catalogue_keeps_interactions();

-- Secondary indexes, kept only where a reader needs them. The dashboards read the hourly rollup
-- (0006) and the latest emergencies (0006's partial index, a few rows in a hundred); no query looks
-- rows up by exhibition. Time ranges over the raw rows (analysts' reporting.rating_event and
-- request_event) keep a BRIN index: rows arrive roughly in event order, and a BRIN index costs a
-- load next to nothing.
drop index rating_interaction_event_at;
drop index rating_interaction_exhibition_event_at;
drop index request_interaction_event_at;
drop index request_interaction_exhibition_event_at;
create index rating_interaction_event_at_brin on rating_interaction using brin (event_at);
create index request_interaction_event_at_brin on request_interaction using brin (event_at);
