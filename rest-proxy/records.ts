import { malformedJson, unprocessable, unsupportedMediaType } from './errors';

/**
 * The v2 produce request: `{"records":[{"key"?, "value", "partition"?}]}`. Only the two embedded
 * formats that need no schema registry are served; Confluent's `application/vnd.kafka.v2+json`
 * (no embedded format) means binary there, so it does here.
 */
export type EmbeddedFormat = 'json' | 'binary';

const FORMATS: Readonly<Record<string, EmbeddedFormat>> = {
  'application/vnd.kafka.json.v2+json': 'json',
  'application/vnd.kafka.binary.v2+json': 'binary',
  'application/vnd.kafka.v2+json': 'binary',
};

export function embeddedFormatOf(contentType: string | undefined): EmbeddedFormat {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const format = FORMATS[media];
  if (!format) throw unsupportedMediaType();
  return format;
}

/** One record as Kafka gets it. */
export interface ProduceRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition?: number;
}

/** Ignored like the REST proxy ignores them for formats without schemas. */
const SCHEMA_FIELDS = ['key_schema', 'value_schema', 'key_schema_id', 'value_schema_id'];
const RECORD_FIELDS = ['key', 'value', 'partition'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function embedded(format: EmbeddedFormat, v: unknown, field: string, index: number): Buffer | null {
  if (v === undefined || v === null) return null;
  if (format === 'json') return Buffer.from(JSON.stringify(v));
  if (typeof v !== 'string' || !BASE64.test(v)) {
    throw unprocessable(`records[${index}].${field} must be base64 text in the binary format`);
  }
  return Buffer.from(v, 'base64');
}

/** Parses and checks a request body; 400 for text that is not JSON, 422 for JSON of another shape. */
export function parseProduceRequest(body: Buffer, format: EmbeddedFormat): ProduceRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    if (body.length === 0) throw unprocessable('Request body is empty');
    throw malformedJson(`Unexpected JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw unprocessable('Request body must be a JSON object with records');
  for (const field of Object.keys(parsed)) {
    if (field !== 'records' && !SCHEMA_FIELDS.includes(field)) {
      throw unprocessable(`Unrecognized field: ${field}`);
    }
  }
  const records = parsed.records;
  if (!Array.isArray(records)) throw unprocessable('records must be an array');
  if (records.length === 0) throw unprocessable('records may not be empty');
  return records.map((r: unknown, i): ProduceRecord => {
    if (!isObject(r)) throw unprocessable(`records[${i}] must be an object`);
    for (const field of Object.keys(r)) {
      if (!RECORD_FIELDS.includes(field)) throw unprocessable(`Unrecognized field: records[${i}].${field}`);
    }
    const record: ProduceRecord = {
      key: embedded(format, r.key, 'key', i),
      value: embedded(format, r.value, 'value', i),
    };
    if (r.partition !== undefined && r.partition !== null) {
      if (!Number.isSafeInteger(r.partition) || (r.partition as number) < 0) {
        throw unprocessable(`records[${i}].partition must be a whole number ≥ 0`);
      }
      record.partition = r.partition as number;
    }
    return record;
  });
}
