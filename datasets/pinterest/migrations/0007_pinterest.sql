-- The Pinterest dataset (docs/spec/pinterest-posts.md): the cleaned rows, keyed by the post number
-- `ind`, its rejects, and the analysts' views. Column order is the seed's, `downloaded` last.

create schema pinterest;
revoke all on schema pinterest from public;
grant usage on schema pinterest to museum_writer;

create table pinterest.pin (
  ind               integer primary key check (ind >= 0),
  unique_id         uuid not null,
  title             text,
  description       text,
  follower_count    integer check (follower_count >= 0),
  poster_name       text,
  tag_list          text,
  is_image_or_video text,
  image_src         text,
  save_location     text,
  category          text not null,
  downloaded        smallint check (downloaded in (0, 1))
);

-- Two columns, not the seed's array: each is checked on its own and nobody swaps (lat, lon) for (x, y).
create table pinterest.geo (
  ind       integer primary key check (ind >= 0),
  country   text not null,
  latitude  double precision not null check (latitude between -90 and 90),
  longitude double precision not null check (longitude between -180 and 180),
  timestamp timestamp not null
);

create table pinterest."user" (
  ind         integer primary key check (ind >= 0),
  user_name   text not null,
  age         smallint not null check (age between 0 and 120),
  date_joined timestamp not null
);

create table pinterest.rejected_record (
  rejected_record_id bigint generated always as identity primary key,
  record_type        text not null check (record_type in ('pin', 'geo', 'user')),
  source_position    text not null unique,
  raw                bytea not null,
  reason             text not null check (reason in (
                       'malformed', 'too_large', 'unexpected_key', 'missing_field', 'bad_ind',
                       'bad_unique_id', 'bad_follower_count', 'bad_downloaded', 'bad_coordinates', 'bad_age',
                       'bad_timestamp', 'future_timestamp', 'bad_text', 'conflicting_record')),
  detail             text not null default '',
  first_seen_at      timestamptz not null default now(),
  replayed_at        timestamptz,
  replay_outcome     text
);
create index pinterest_rejected_record_reason_seen on pinterest.rejected_record (reason, first_seen_at);

grant select, insert, update, delete on all tables in schema pinterest to museum_writer;
grant usage on all sequences in schema pinterest to museum_writer;

-- The analysis views. Ties go to the first in code-point order (COLLATE "C"); years are UTC years
-- (the timestamps are UTC already); a post lacking a record a view needs is not in it.

create function reporting.pinterest_age_group(age smallint) returns text
language sql immutable parallel safe
return case
  when age between 18 and 24 then '18-24'
  when age between 25 and 35 then '25-35'
  when age between 36 and 50 then '36-50'
  when age >= 51 then '50+'
end;

create view reporting.pinterest_top_category_by_country as
select distinct on (g.country) g.country, p.category, count(*) as category_count
from pinterest.pin p
join pinterest.geo g using (ind)
group by g.country, p.category
order by g.country, count(*) desc, p.category collate "C";

create view reporting.pinterest_top_category_by_year as
select distinct on (post_year) post_year, category, category_count
from (
  select extract(year from g.timestamp)::integer as post_year, p.category, count(*) as category_count
  from pinterest.pin p
  join pinterest.geo g using (ind)
  where g.timestamp >= '2018-01-01' and g.timestamp < '2023-01-01'
  group by 1, 2
) per_year
order by post_year, category_count desc, category collate "C";

create view reporting.pinterest_top_user_by_country as
select distinct on (g.country) g.country, p.poster_name, p.follower_count
from pinterest.pin p
join pinterest.geo g using (ind)
where p.poster_name is not null and p.follower_count is not null
order by g.country, p.follower_count desc, p.poster_name collate "C";

create view reporting.pinterest_top_country_by_followers as
select country, poster_name, follower_count
from reporting.pinterest_top_user_by_country
order by follower_count desc, country collate "C"
limit 1;

create view reporting.pinterest_top_category_by_age_group as
select distinct on (age_group) age_group, category, category_count
from (
  select reporting.pinterest_age_group(u.age) as age_group, p.category, count(*) as category_count
  from pinterest.pin p
  join pinterest."user" u using (ind)
  where reporting.pinterest_age_group(u.age) is not null
  group by 1, 2
) per_group
order by age_group, category_count desc, category collate "C";

-- Medians over non-null follower counts; ind is the user's identity, and each ind is one row here.
create view reporting.pinterest_median_followers_by_age_group as
select reporting.pinterest_age_group(u.age) as age_group,
       percentile_cont(0.5) within group (order by p.follower_count) as median_follower_count
from pinterest.pin p
join pinterest."user" u using (ind)
where reporting.pinterest_age_group(u.age) is not null and p.follower_count is not null
group by 1;

create view reporting.pinterest_users_joined_by_year as
select extract(year from date_joined)::integer as post_year, count(*) as number_users_joined
from pinterest."user"
where date_joined >= '2015-01-01' and date_joined < '2021-01-01'
group by 1;

create view reporting.pinterest_median_followers_by_join_year as
select extract(year from u.date_joined)::integer as post_year,
       percentile_cont(0.5) within group (order by p.follower_count) as median_follower_count
from pinterest.pin p
join pinterest."user" u using (ind)
where u.date_joined >= '2015-01-01' and u.date_joined < '2021-01-01' and p.follower_count is not null
group by 1;

create view reporting.pinterest_median_followers_by_join_year_and_age_group as
select reporting.pinterest_age_group(u.age) as age_group,
       extract(year from u.date_joined)::integer as post_year,
       percentile_cont(0.5) within group (order by p.follower_count) as median_follower_count
from pinterest.pin p
join pinterest."user" u using (ind)
where reporting.pinterest_age_group(u.age) is not null
  and u.date_joined >= '2015-01-01' and u.date_joined < '2021-01-01'
  and p.follower_count is not null
group by 1, 2;

grant select on all tables in schema reporting to museum_reporting;
