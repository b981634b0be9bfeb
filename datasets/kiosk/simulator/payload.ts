/** A kiosk message as the real producer writes it: keys in this order, Python-style separators. */
export type JsonScalar = string | number | null;

export interface KioskFields {
  at?: JsonScalar;
  site?: JsonScalar;
  val?: JsonScalar;
  type?: JsonScalar;
  [extra: string]: JsonScalar | undefined;
}

const ORDER = ['at', 'site', 'val', 'type'];

/** `{"at": "...", "site": "4", "val": 0}`: `json.dumps` spacing, absent keys omitted. */
export function toJsonText(fields: KioskFields): string {
  const keys = [...ORDER, ...Object.keys(fields).filter((k) => !ORDER.includes(k))];
  const parts: string[] = [];
  for (const key of keys) {
    const value = fields[key];
    if (value !== undefined) parts.push(`${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  return `{${parts.join(', ')}}`;
}

/** Python's repr of the same dict: a real-world way to get invalid JSON onto the topic. */
export function toPythonRepr(fields: KioskFields): string {
  const repr = (v: JsonScalar): string =>
    v === null ? 'None' : typeof v === 'string' ? `'${v.replace(/'/g, "\\'")}'` : String(v);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`'${key}': ${repr(value)}`);
  }
  return `{${parts.join(', ')}}`;
}
