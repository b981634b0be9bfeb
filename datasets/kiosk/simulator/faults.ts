import { MAX_PAYLOAD_BYTES } from '../rules/rules';
import { toJsonText, toPythonRepr, type KioskFields } from './payload';
import type { Rng } from '../../../simulator/random';

/** Every fault shape seen in the real stream (spec: "Faults seen in the real stream"), plus transport junk. */
export const FAULT_KINDS = [
  'missing_at',
  'missing_site',
  'missing_val',
  'val_out_of_range',
  'val_null',
  'val_err',
  'val_inf',
  'site_unknown',
  'site_none',
  'site_err',
  'site_inf',
  'type_bad_value',
  'type_null',
  'type_err',
  'type_inf',
  'type_absent',
  'type_on_rating',
  'out_of_hours',
  'multiple',
  'invalid_json',
  'binary_garbage',
  'oversized',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** The reason the rules give a fault on its own; `multiple` fails the first of its faults in rule order. */
export const FAULT_REASON: Readonly<Record<Exclude<FaultKind, 'multiple'>, string>> = {
  missing_at: 'missing_field',
  missing_site: 'missing_field',
  missing_val: 'missing_field',
  val_out_of_range: 'bad_val',
  val_null: 'missing_field',
  val_err: 'bad_val',
  val_inf: 'bad_val',
  site_unknown: 'unknown_site',
  site_none: 'bad_site',
  site_err: 'bad_site',
  site_inf: 'bad_site',
  type_bad_value: 'bad_type',
  type_null: 'bad_type',
  type_err: 'bad_type',
  type_inf: 'bad_type',
  type_absent: 'bad_type',
  type_on_rating: 'type_on_rating',
  out_of_hours: 'out_of_hours',
  invalid_json: 'malformed',
  binary_garbage: 'malformed',
  oversized: 'too_large',
};

/** Relative frequencies: field faults dominate, junk is rare and oversized payloads rarer still. */
const WEIGHTS: Readonly<Record<FaultKind, number>> = {
  ...(Object.fromEntries(FAULT_KINDS.map((k) => [k, 1])) as Record<FaultKind, number>),
  multiple: 2,
  invalid_json: 0.4,
  binary_garbage: 0.2,
  oversized: 0.01,
};
const WEIGHT_LIST = FAULT_KINDS.map((k) => WEIGHTS[k]);

export function pickFaultKind(rng: Rng): FaultKind {
  return rng.weighted(FAULT_KINDS, WEIGHT_LIST);
}

/** Groups of faults touching disjoint fields, so combining one from each never cancels out. */
const GROUPS: readonly (readonly FaultKind[])[] = [
  ['missing_at', 'out_of_hours'],
  ['missing_site', 'site_unknown', 'site_none', 'site_err', 'site_inf'],
  [
    'missing_val',
    'val_out_of_range',
    'val_null',
    'val_err',
    'val_inf',
    'type_bad_value',
    'type_null',
    'type_err',
    'type_inf',
    'type_absent',
    'type_on_rating',
  ],
];

export interface FaultContext {
  rng: Rng;
  /** A valid event to corrupt. */
  base: KioskFields;
  unknownSites: readonly number[];
  outOfHoursAt: () => string;
}

/** Applies a field-level fault to `fields` in place. */
function corrupt(kind: FaultKind, fields: KioskFields, ctx: FaultContext): void {
  const { rng } = ctx;
  const rating = (): void => {
    fields.val = rng.int(0, 4);
    delete fields.type;
  };
  const request = (type: KioskFields['type']): void => {
    fields.val = -1;
    fields.type = type;
  };
  switch (kind) {
    case 'missing_at':
      delete fields.at;
      return;
    case 'missing_site':
      delete fields.site;
      return;
    case 'missing_val':
      delete fields.val;
      delete fields.type;
      return;
    case 'val_out_of_range':
      fields.val = rng.pick([5, 6, 7, 8, 9, -2, -3]);
      return;
    case 'val_null':
      fields.val = null;
      return;
    case 'val_err':
      fields.val = 'ERR';
      return;
    case 'val_inf':
      fields.val = 'INF';
      return;
    case 'site_unknown':
      fields.site = String(rng.pick(ctx.unknownSites));
      return;
    case 'site_none':
      fields.site = 'None';
      return;
    case 'site_err':
      fields.site = 'ERR';
      return;
    case 'site_inf':
      fields.site = 'INF';
      return;
    case 'type_bad_value':
      return request(rng.pick([2, 3, 4, -1]));
    case 'type_null':
      return request(null);
    case 'type_err':
      return request('ERR');
    case 'type_inf':
      return request('INF');
    case 'type_absent':
      return request(undefined);
    case 'type_on_rating':
      rating();
      fields.type = rng.int(0, 1);
      return;
    case 'out_of_hours':
      fields.at = ctx.outOfHoursAt();
      return;
    default:
      throw new Error(`${kind} is not a field fault`);
  }
}

function invalidJson(ctx: FaultContext): string {
  const text = toJsonText(ctx.base);
  switch (ctx.rng.int(0, 4)) {
    case 0:
      return text.slice(0, ctx.rng.int(1, text.length - 1));
    case 1:
      return toPythonRepr(ctx.base);
    case 2:
      return `${text.slice(0, -1)}, }`;
    case 3:
      return toJsonText({ ...ctx.base, val: 0 }).replace(/"val": 0/, '"val": NaN');
    default:
      return '';
  }
}

export interface FaultPayload {
  value: Uint8Array;
  /** The site text the payload carries, or '' (the partitioning key). */
  key: string;
}

const json = (fields: KioskFields): FaultPayload => ({
  value: Buffer.from(toJsonText(fields)),
  key: typeof fields.site === 'string' ? fields.site : '',
});

export function buildFault(kind: FaultKind, ctx: FaultContext): FaultPayload {
  const { rng } = ctx;
  const fields: KioskFields = { ...ctx.base };
  switch (kind) {
    case 'invalid_json':
      return { value: Buffer.from(invalidJson(ctx)), key: '' };
    case 'binary_garbage': {
      const bytes = Buffer.alloc(rng.int(8, 200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
      // 0xFF never occurs in UTF-8, so the payload cannot parse by accident.
      bytes[0] = 0xff;
      return { value: bytes, key: '' };
    }
    case 'oversized': {
      const size = MAX_PAYLOAD_BYTES + rng.int(1, 4096);
      const skeleton = toJsonText({ ...fields, pad: '' });
      return json({ ...fields, pad: 'x'.repeat(size - skeleton.length) });
    }
    case 'multiple': {
      const groups = GROUPS.filter(() => rng.chance(0.5));
      while (groups.length < 2) {
        const g = rng.pick(GROUPS);
        if (!groups.includes(g)) groups.push(g);
      }
      for (const g of GROUPS) if (groups.includes(g)) corrupt(rng.pick(g), fields, ctx);
      return json(fields);
    }
    default:
      corrupt(kind, fields, ctx);
      return json(fields);
  }
}
