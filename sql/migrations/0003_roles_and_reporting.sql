-- Two group roles: the pipeline writes, the dashboards read only the reporting views.
-- Login users (with passwords) are granted these roles outside migrations, so no secret lives in SQL.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'museum_writer') then
    create role museum_writer nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'museum_reporting') then
    create role museum_reporting nologin;
  end if;
end $$;

grant usage on schema public to museum_writer;
grant select, insert, update, delete on all tables in schema public to museum_writer;
grant usage on all sequences in schema public to museum_writer;

create schema reporting;
revoke all on schema reporting from public;
grant usage on schema reporting to museum_reporting;

create view reporting.exhibition_catalogue as
select e.exhibition_id, e.public_id, e.exhibition_name, e.exhibition_description, e.exhibition_start_date,
       d.department_name, f.floor_name
from exhibition e
join department d using (department_id)
join floor f using (floor_id);

create view reporting.rating_event as
select ri.rating_interaction_id, ri.event_at, ri.exhibition_id, e.public_id, e.exhibition_name, f.floor_name,
       r.rating_value, r.rating_description
from rating_interaction ri
join exhibition e using (exhibition_id)
join floor f using (floor_id)
join rating r using (rating_id);

create view reporting.request_event as
select rq.request_interaction_id, rq.event_at, rq.exhibition_id, e.public_id, e.exhibition_name, f.floor_name,
       r.request_value, r.request_description
from request_interaction rq
join exhibition e using (exhibition_id)
join floor f using (floor_id)
join request r using (request_id);

grant select on all tables in schema reporting to museum_reporting;
