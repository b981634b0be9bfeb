import { describe, expect, it } from 'vitest';
import { RestError } from '../../../rest-proxy/errors';
import { embeddedFormatOf, parseProduceRequest } from '../../../rest-proxy/records';

const body = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function refusal(f: () => unknown): { status: number; code: number; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof RestError) return { status: err.status, code: err.errorCode, message: err.message };
    throw err;
  }
  throw new Error('expected a RestError');
}

describe('content types', () => {
  it('serves the json and binary embedded formats of v2; no embedded format means binary', () => {
    expect(embeddedFormatOf('application/vnd.kafka.json.v2+json')).toBe('json');
    expect(embeddedFormatOf('Application/VND.kafka.json.v2+json; charset=utf-8')).toBe('json');
    expect(embeddedFormatOf('application/vnd.kafka.binary.v2+json')).toBe('binary');
    expect(embeddedFormatOf('application/vnd.kafka.v2+json')).toBe('binary');
  });

  it.each([undefined, 'application/json', 'application/vnd.kafka.avro.v2+json', 'text/plain'])(
    'refuses %s with 415',
    (type) => {
      expect(refusal(() => embeddedFormatOf(type))).toMatchObject({ status: 415, code: 415 });
    },
  );
});

describe('produce request bodies', () => {
  it('writes json values and keys as JSON text and keeps explicit partitions', () => {
    const records = parseProduceRequest(
      body({
        records: [{ key: 'k', value: { foo: 'bar' } }, { value: [1, 2], partition: 3 }, { value: null }],
      }),
      'json',
    );
    expect(records).toEqual([
      { key: Buffer.from('"k"'), value: Buffer.from('{"foo":"bar"}') },
      { key: null, value: Buffer.from('[1,2]'), partition: 3 },
      { key: null, value: null },
    ]);
  });

  it('decodes binary values from base64, bytes unchanged', () => {
    const junk = Buffer.from([0, 255, 10, 13]);
    const [r] = parseProduceRequest(
      body({ records: [{ key: 'czE=', value: junk.toString('base64') }] }),
      'binary',
    );
    expect(r).toEqual({ key: Buffer.from('s1'), value: junk });
  });

  it('ignores the schema fields of formats that need none', () => {
    expect(
      parseProduceRequest(body({ value_schema_id: null, records: [{ value: 1 }] }), 'json'),
    ).toHaveLength(1);
  });

  it('answers 400 for text that is not JSON', () => {
    expect(refusal(() => parseProduceRequest(body('{"records": ['), 'json'))).toMatchObject({ status: 400 });
  });

  it.each([
    ['an empty body', ''],
    ['a JSON array', [{ value: 1 }]],
    ['no records', { value: 1 }],
    ['empty records', { records: [] }],
    ['records not an array', { records: { value: 1 } }],
    ['a record that is not an object', { records: [1] }],
    ['an unknown field', { records: [{ value: 1, headers: [] }] }],
    ['an unknown top-level field', { records: [{ value: 1 }], topic: 'x' }],
    ['a negative partition', { records: [{ value: 1, partition: -1 }] }],
    ['a fractional partition', { records: [{ value: 1, partition: 1.5 }] }],
    ['a partition as text', { records: [{ value: 1, partition: '1' }] }],
  ])('answers 422 for %s', (_, value) => {
    expect(refusal(() => parseProduceRequest(body(value), 'json'))).toMatchObject({ status: 422, code: 422 });
  });

  it('answers 422 for binary values that are not base64', () => {
    expect(
      refusal(() => parseProduceRequest(body({ records: [{ value: 'not base64!' }] }), 'binary')),
    ).toMatchObject({
      status: 422,
    });
    expect(
      refusal(() => parseProduceRequest(body({ records: [{ value: { a: 1 } }] }), 'binary')),
    ).toMatchObject({
      status: 422,
    });
  });
});
