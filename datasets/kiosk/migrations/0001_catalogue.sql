-- Reference data and the exhibition catalogue. Names follow the original seeds so their queries still work.

create table department (
  department_id   integer generated always as identity primary key,
  department_name text not null unique check (department_name <> '')
);

create table floor (
  floor_id   integer generated always as identity primary key,
  floor_name text not null unique check (floor_name <> '')
);

create table exhibition (
  exhibition_id          integer generated always as identity primary key,
  exhibition_name        text not null check (exhibition_name <> ''),
  exhibition_description text,
  department_id          integer not null references department,
  floor_id               integer not null references floor,
  exhibition_start_date  date not null,
  public_id              text not null unique check (public_id ~ '^EXH_[0-9]{2,}$')
);

-- "Start date not in the future" depends on today, which a CHECK constraint must not read.
create function exhibition_start_not_in_future() returns trigger language plpgsql as $$
begin
  if new.exhibition_start_date > current_date then
    raise exception 'exhibition % starts on %, which is in the future', new.public_id, new.exhibition_start_date
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger exhibition_start_not_in_future
  before insert or update of exhibition_start_date on exhibition
  for each row execute function exhibition_start_not_in_future();

-- rating_id equals rating_value (and request_id request_value) so loads need no lookup.
create table rating (
  rating_id          smallint primary key check (rating_id = rating_value),
  rating_value       smallint not null unique check (rating_value between 0 and 4),
  rating_description text not null
);

create table request (
  request_id          smallint primary key check (request_id = request_value),
  request_value       smallint not null unique check (request_value between 0 and 1),
  request_description text not null
);
