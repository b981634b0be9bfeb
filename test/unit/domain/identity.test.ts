import { describe, expect, it } from 'vitest';
import { kafkaPosition, s3Position } from '../../../domain';

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
