import { describe, expect, it } from 'vitest';
import {
  kafkaPosition,
  kafkaTopicPrefix,
  likePrefix,
  parsePosition,
  s3KeyLock,
  s3KeyPrefix,
  s3ObjectSource,
  s3Position,
} from '../../../pipeline/position';

describe('source positions', () => {
  it('formats Kafka positions from string, bigint and number offsets alike', () => {
    expect(kafkaPosition('lmnh', 0, '1234')).toBe('kafka:lmnh:0:1234');
    expect(kafkaPosition('lmnh', 3, 1234n)).toBe('kafka:lmnh:3:1234');
    expect(kafkaPosition('lmnh', 3, 1234)).toBe('kafka:lmnh:3:1234');
    expect(kafkaPosition('lmnh', 0, '0007')).toBe('kafka:lmnh:0:7');
    expect(kafkaPosition('lmnh', 0, '92233720368547758070')).toBe('kafka:lmnh:0:92233720368547758070');
  });

  it('refuses positions that would not be canonical', () => {
    expect(() => kafkaPosition('lmnh', -1, '1')).toThrow(RangeError);
    expect(() => kafkaPosition('lmnh', 0, '-1')).toThrow(RangeError);
    expect(() => kafkaPosition('lmnh', 0, 1.5)).toThrow(RangeError);
    expect(() => kafkaPosition('', 0, '1')).toThrow(RangeError);
    expect(() => s3Position('b', 'k', '"e"', 0)).toThrow(RangeError);
    expect(() => s3Position('b', 'k', '""', 1)).toThrow(RangeError);
  });

  it('formats S3 positions without the quotes S3 puts around ETags', () => {
    const etag = '"9b2cf535f27731c974343645a3985328"';
    expect(s3Position('lmnh-bucket', 'lmnh_hist_data_0.csv', etag, 2)).toBe(
      's3:lmnh-bucket/lmnh_hist_data_0.csv@9b2cf535f27731c974343645a3985328#2',
    );
    expect(s3Position('b', 'k', 'abc-3', 7)).toBe('s3:b/k@abc-3#7');
    expect(s3Position('b', 'k', etag, 7)).toBe(s3Position('b', 'k', etag.slice(1, -1), 7));
  });
});

describe('reading positions back', () => {
  it('parses what it formats, keys holding @ and # included', () => {
    expect(parsePosition(kafkaPosition('pinterest.pin', 3, '0012'))).toEqual({
      kind: 'kafka',
      topic: 'pinterest.pin',
      partition: 3,
      offset: '12',
    });
    expect(parsePosition(s3Position('b', 'topics/a@b#c.json', '"9f"', 7))).toEqual({
      kind: 's3',
      bucket: 'b',
      key: 'topics/a@b#c.json',
      etag: '9f',
      line: 7,
    });
    expect(parsePosition('kafka:lmnh:x:1')).toBeUndefined();
    expect(parsePosition('s3:b/k@e')).toBeUndefined();
    expect(parsePosition('something else')).toBeUndefined();
  });

  it('selects a topic, an object version and a key by prefix', () => {
    const position = s3Position('b', 'k.csv', 'e1', 2);
    expect(position.startsWith(`${s3ObjectSource('b', 'k.csv', 'e1')}#`)).toBe(true);
    expect(position.startsWith(s3KeyPrefix('b', 'k.csv'))).toBe(true);
    expect(position.startsWith(s3KeyPrefix('b', 'k'))).toBe(false);
    expect(kafkaPosition('lmnh', 0, 5).startsWith(kafkaTopicPrefix('lmnh'))).toBe(true);
    expect(likePrefix('s3:my_bucket/100%@')).toBe('s3:my\\_bucket/100\\%@%');
  });

  it('names one lock for every version of a key, whichever way it is reached', () => {
    const p = parsePosition(s3Position('b', 'k.csv', 'e2', 9));
    expect(p?.kind === 's3' && s3KeyLock(p.bucket, p.key)).toBe(s3KeyLock('b', 'k.csv'));
    expect(s3KeyLock('b', 'k.csv')).not.toBe(s3KeyLock('b', 'k.csv2'));
  });
});
