/**
 * The SQL behind each API endpoint. Everything reads the `reporting` schema only (the read-only role
 * can see nothing else): the hourly rollup view for counts and averages, the emergency view for the
 * live list, the catalogue view for names and floors.
 */
import type { Pool } from 'pg';
import {
  bucketFor,
  daysBetween,
  selectedExhibitions,
  selectedFloors,
  type Bucket,
  type Catalogue,
  type CatalogueEntry,
  type Filters,
} from './filters';

export const RATING_LABELS = ['Terrible', 'Bad', 'Neutral', 'Good', 'Amazing'] as const;

const CATALOGUE_TTL_MS = 5_000;

/** Natural floor order: named floors (Vault) first, then numbered floors upwards. */
export function compareFloors(a: string, b: string): number {
  const na = /^-?\d+$/.test(a) ? Number(a) : undefined;
  const nb = /^-?\d+$/.test(b) ? Number(b) : undefined;
  if (na === undefined && nb === undefined) return a.localeCompare(b);
  if (na === undefined) return -1;
  if (nb === undefined) return 1;
  return na - nb;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The same 1-hour grid the rollup uses; labels in museum time. */
const LABEL_FORMAT: Record<Bucket, string> = {
  hour: 'YYYY-MM-DD HH24:00',
  day: 'YYYY-MM-DD',
  week: 'YYYY-MM-DD',
};

interface Where {
  sql: string;
  params: unknown[];
}

export interface ExhibitionTotals {
  exhibition: string;
  name: string;
  floor: string;
  ratings: number;
  /** Counts of ratings 0..4. */
  counts: [number, number, number, number, number];
  score: number;
  assistance: number;
  emergency: number;
}

interface RequestCounts {
  assistance: number;
  emergency: number;
}

interface HourCount extends RequestCounts {
  hour: number;
  exhibitionId: number;
}

/** Opening hours (08:45-18:15) always show, so an empty hour reads as zero, not as missing. */
const OPENING_HOURS = Array.from({ length: 11 }, (_, i) => 8 + i);

function hoursOfDay(withData: Iterable<number>): number[] {
  return [...new Set([...OPENING_HOURS, ...withData])].sort((a, b) => a - b);
}

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** Which rollup level answers: museum days (cheap) or UTC hours (for hours, or another time zone). */
type Level = 'daily' | 'hourly' | 'event';

export class DashboardQueries {
  private catalogue?: { at: number; value: Catalogue };
  private rollupZone?: { at: number; value: string };

  constructor(
    private readonly db: Pool,
    readonly timeZone: string,
  ) {}

  async getCatalogue(fresh = false): Promise<Catalogue> {
    if (!fresh && this.catalogue && Date.now() - this.catalogue.at < CATALOGUE_TTL_MS) {
      return this.catalogue.value;
    }
    const { rows } = await this.db.query<{
      exhibition_id: number;
      public_id: string;
      exhibition_name: string;
      floor_name: string;
      department_name: string;
      start_date: string;
    }>(
      `select exhibition_id, public_id, exhibition_name, floor_name, department_name,
              to_char(exhibition_start_date, 'YYYY-MM-DD') as start_date
       from reporting.exhibition_catalogue order by public_id`,
    );
    const exhibitions: CatalogueEntry[] = rows.map((r) => ({
      exhibitionId: r.exhibition_id,
      publicId: r.public_id,
      name: r.exhibition_name,
      floor: r.floor_name,
      department: r.department_name,
      startDate: r.start_date,
    }));
    const value = { exhibitions, floors: [...new Set(exhibitions.map((e) => e.floor))].sort(compareFloors) };
    this.catalogue = { at: Date.now(), value };
    return value;
  }

  /**
   * Whether the daily level counts days in this server's museum time zone (reporting.rollup_setting).
   * If not, every answer comes from the hourly level instead: the same numbers, more rows to add up.
   */
  async dailyLevelUsable(): Promise<boolean> {
    if (!this.rollupZone || Date.now() - this.rollupZone.at >= CATALOGUE_TTL_MS) {
      const { rows } = await this.db.query<{ time_zone: string }>(
        'select time_zone from reporting.rollup_setting',
      );
      this.rollupZone = { at: Date.now(), value: rows[0]?.time_zone ?? '' };
    }
    return this.rollupZone.value === this.timeZone;
  }

  /** The zone the daily level counts days in (for the server's start-up warning). */
  async dailyLevelZone(): Promise<string> {
    await this.dailyLevelUsable();
    return this.rollupZone!.value;
  }

  /** First and last museum-local day with any interaction, and today in museum time. */
  async dataRange(): Promise<{ first: string | null; last: string | null; today: string }> {
    const { rows } = await this.db.query<{ first: string | null; last: string | null; today: string }>(
      `select to_char(least((select min(hour_start) from reporting.interaction_hourly),
                            (select min(hour_start) from reporting.interaction_hourly_pending)) at time zone $1,
                      'YYYY-MM-DD') as first,
              to_char(greatest((select max(hour_start) from reporting.interaction_hourly),
                               (select max(hour_start) from reporting.interaction_hourly_pending)) at time zone $1,
                       'YYYY-MM-DD') as last,
              to_char(now() at time zone $1, 'YYYY-MM-DD') as today`,
      [this.timeZone],
    );
    const r = rows[0]!;
    return { first: r.first, last: r.last, today: r.today };
  }

  /**
   * The WHERE clause for a rollup level (or the emergency view, level `event`). Museum days bound the
   * daily level directly; the others turn them into instants in the museum's zone. `tz` is the
   * placeholder already holding that zone, if the caller's SELECT needs it too.
   */
  private where(filters: Filters, catalogue: Catalogue, level: Level, params: unknown[], tz?: string): Where {
    const conditions: string[] = [];
    const zone = () => (tz ??= `$${params.push(this.timeZone)}`);
    const column = level === 'daily' ? 'day' : level === 'hourly' ? 'hour_start' : 'event_at';
    if (filters.from !== undefined) {
      const from = `$${params.push(filters.from)}::date`;
      conditions.push(
        level === 'daily' ? `day >= ${from}` : `${column} >= (${from})::timestamp at time zone ${zone()}`,
      );
    }
    if (filters.to !== undefined) {
      const to = `$${params.push(filters.to)}::date`;
      conditions.push(
        level === 'daily' ? `day <= ${to}` : `${column} < (${to} + 1)::timestamp at time zone ${zone()}`,
      );
    }
    const selected = selectedExhibitions(filters, catalogue);
    if (selected.length < catalogue.exhibitions.length) {
      conditions.push(`exhibition_id = any($${params.push(selected.map((e) => e.exhibitionId))}::int[])`);
    }
    return { sql: conditions.length ? `where ${conditions.join(' and ')}` : '', params };
  }

  private async totalsLevel(): Promise<{ level: Level; source: string }> {
    return (await this.dailyLevelUsable())
      ? { level: 'daily', source: 'reporting.interaction_daily_live' }
      : { level: 'hourly', source: 'reporting.interaction_hourly_live' };
  }

  /** The bucket for a time series: from the filter's range, or the data's when the range is open. */
  async bucket(filters: Filters): Promise<Bucket> {
    let { from, to } = filters;
    if (from === undefined || to === undefined) {
      const range = await this.dataRange();
      from ??= range.first ?? range.today;
      to ??= range.last ?? range.today;
      if (from > to) return 'day';
    }
    return bucketFor(daysBetween(from, to));
  }

  /** Per exhibition totals over the filters: the base of most endpoints. Includes exhibitions with none. */
  async exhibitionTotals(filters: Filters): Promise<ExhibitionTotals[]> {
    const catalogue = await this.getCatalogue();
    const selected = selectedExhibitions(filters, catalogue);
    if (selected.length === 0) return [];
    const { level, source } = await this.totalsLevel();
    const where = this.where(filters, catalogue, level, []);
    const { rows } = await this.db.query<Record<string, string | number>>(
      `select exhibition_id, sum(rating_0) as r0, sum(rating_1) as r1, sum(rating_2) as r2,
              sum(rating_3) as r3, sum(rating_4) as r4, sum(assistance) as qa, sum(emergency) as qe
       from ${source} ${where.sql}
       group by exhibition_id`,
      where.params,
    );
    const byId = new Map(rows.map((r) => [Number(r.exhibition_id), r]));
    return selected.map((e) => {
      const r = byId.get(e.exhibitionId);
      const counts: ExhibitionTotals['counts'] = [n(r?.r0), n(r?.r1), n(r?.r2), n(r?.r3), n(r?.r4)];
      return {
        exhibition: e.publicId,
        name: e.name,
        floor: e.floor,
        ratings: counts.reduce((a, b) => a + b, 0),
        counts,
        score: counts[1] + 2 * counts[2] + 3 * counts[3] + 4 * counts[4],
        assistance: n(r?.qa),
        emergency: n(r?.qe),
      };
    });
  }

  async ratingsOverTime(filters: Filters) {
    const catalogue = await this.getCatalogue();
    const selected = selectedExhibitions(filters, catalogue);
    const bucket = await this.bucket(filters);
    if (selected.length === 0) return { bucket, labels: [] as string[], series: [] };
    // Day and week buckets add up museum days; hour buckets (at most 3 days) add up hours.
    const daily = bucket !== 'hour' && (await this.dailyLevelUsable());
    const params: unknown[] = daily ? [] : [this.timeZone];
    const where = this.where(
      filters,
      catalogue,
      daily ? 'daily' : 'hourly',
      params,
      daily ? undefined : '$1',
    );
    const b = `$${params.push(bucket)}`;
    const f = `$${params.push(LABEL_FORMAT[bucket])}`;
    const local = daily ? 'day::timestamp' : 'hour_start at time zone $1';
    const { rows } = await this.db.query<{ label: string; exhibition_id: number; n: string; score: string }>(
      `select to_char(bucket, ${f}) as label, exhibition_id, n, score
       from (
         select date_trunc(${b}, ${local}) as bucket, exhibition_id,
                sum(rating_0 + rating_1 + rating_2 + rating_3 + rating_4) as n,
                sum(rating_1 + 2 * rating_2 + 3 * rating_3 + 4 * rating_4) as score
         from ${daily ? 'reporting.interaction_daily_live' : 'reporting.interaction_hourly_live'} ${where.sql}
         group by 1, 2
       ) b
       where n > 0
       order by bucket, exhibition_id`,
      params,
    );
    const labels = [...new Set(rows.map((r) => r.label))];
    const index = new Map(labels.map((l, i) => [l, i]));
    const series = selected.map((e) => ({
      exhibition: e.publicId,
      name: e.name,
      average: labels.map(() => null as number | null),
      ratings: labels.map(() => 0),
    }));
    const seriesById = new Map(selected.map((e, i) => [e.exhibitionId, series[i]!]));
    for (const r of rows) {
      const s = seriesById.get(Number(r.exhibition_id));
      const i = index.get(r.label);
      if (!s || i === undefined) continue;
      s.average[i] = round(Number(r.score) / Number(r.n));
      s.ratings[i] = Number(r.n);
    }
    return { bucket, labels, series: series.filter((s) => s.ratings.some((x) => x > 0)) };
  }

  /** Requests per museum-time hour of day and exhibition; only the pairs with any. */
  private async requestsByHourAndExhibition(filters: Filters): Promise<HourCount[]> {
    const catalogue = await this.getCatalogue();
    if (selectedExhibitions(filters, catalogue).length === 0) return [];
    const params: unknown[] = [this.timeZone];
    const where = this.where(filters, catalogue, 'hourly', params, '$1');
    const { rows } = await this.db.query<{ hour: number; exhibition_id: number; qa: string; qe: string }>(
      `select extract(hour from hour_start at time zone $1)::int as hour, exhibition_id,
              sum(assistance) as qa, sum(emergency) as qe
       from reporting.interaction_hourly_live ${where.sql}
       group by 1, 2 having sum(assistance) <> 0 or sum(emergency) <> 0`,
      params,
    );
    return rows.map((r) => ({
      hour: r.hour,
      exhibitionId: Number(r.exhibition_id),
      assistance: n(r.qa),
      emergency: n(r.qe),
    }));
  }

  async requestsByHour(filters: Filters) {
    const counts = new Map<number, RequestCounts>();
    for (const c of await this.requestsByHourAndExhibition(filters)) {
      const at = counts.get(c.hour) ?? { assistance: 0, emergency: 0 };
      counts.set(c.hour, { assistance: at.assistance + c.assistance, emergency: at.emergency + c.emergency });
    }
    return hoursOfDay(counts.keys()).map((hour) => ({
      hour,
      label: hourLabel(hour),
      ...(counts.get(hour) ?? { assistance: 0, emergency: 0 }),
    }));
  }

  /**
   * Requests per floor (rows, in floor order) and hour of day (columns): a floor is its exhibitions'
   * floor in the catalogue, as in the per-floor totals, so the rows add up to those totals.
   */
  async requestsByFloorAndHour(filters: Filters) {
    const catalogue = await this.getCatalogue();
    const floorOf = new Map(catalogue.exhibitions.map((e) => [e.exhibitionId, e.floor]));
    const floors = selectedFloors(filters, catalogue);
    const counts = await this.requestsByHourAndExhibition(filters);
    const hours = hoursOfDay(counts.map((c) => c.hour));
    return {
      hours: hours.map((hour) => ({ hour, label: hourLabel(hour) })),
      floors: floors.map((floor) => {
        const assistance = hours.map(() => 0);
        const emergency = hours.map(() => 0);
        for (const c of counts) {
          if (floorOf.get(c.exhibitionId) !== floor) continue;
          const i = hours.indexOf(c.hour);
          assistance[i]! += c.assistance;
          emergency[i]! += c.emergency;
        }
        return { floor, assistance, emergency };
      }),
    };
  }

  async latestEmergencies(filters: Filters, limit: number) {
    const catalogue = await this.getCatalogue();
    if (selectedExhibitions(filters, catalogue).length === 0) return [];
    const params: unknown[] = [this.timeZone];
    const where = this.where(filters, catalogue, 'event', params, '$1');
    const lim = `$${params.push(limit)}`;
    const { rows } = await this.db.query<{
      id: string;
      event_at: Date;
      local_time: string;
      public_id: string;
      exhibition_name: string;
      floor_name: string;
    }>(
      `select request_interaction_id as id, event_at,
              to_char(event_at at time zone $1, 'YYYY-MM-DD HH24:MI:SS') as local_time,
              public_id, exhibition_name, floor_name
       from reporting.emergency_event ${where.sql}
       order by event_at desc, request_interaction_id desc
       limit ${lim}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      at: r.event_at.toISOString(),
      localTime: r.local_time,
      exhibition: r.public_id,
      name: r.exhibition_name,
      floor: r.floor_name,
    }));
  }

  /** Who the dashboard is connected as, and whether its transactions are read-only. */
  async identity(): Promise<{ user: string; readOnly: boolean; superuser: boolean; canWrite: boolean }> {
    const { rows } = await this.db.query<{
      user: string;
      read_only: string;
      superuser: boolean;
      can_write: boolean;
    }>(
      `select current_user as user, current_setting('transaction_read_only') as read_only,
              coalesce((select rolsuper from pg_roles where rolname = current_user), false) as superuser,
              coalesce(has_table_privilege('public.rating_interaction', 'insert, update, delete, truncate')
                    or has_table_privilege('public.request_interaction', 'insert, update, delete, truncate')
                    or has_table_privilege('public.exhibition', 'insert, update, delete, truncate'), false)
                as can_write`,
    );
    const r = rows[0]!;
    return { user: r.user, readOnly: r.read_only === 'on', superuser: r.superuser, canWrite: r.can_write };
  }
}
