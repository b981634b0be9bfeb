import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { configProblems } from '../support/config-problems';

describe('archive config', () => {
  it('defaults to S3_BUCKET, topics/, 10,000 messages and 300 s', () => {
    expect(loadConfig({ S3_BUCKET: 'b-1' }).archive).toEqual({
      bucket: 'b-1',
      prefix: 'topics/',
      flushMessages: 10_000,
      flushSeconds: 300,
    });
  });

  it('follows ARCHIVE_BUCKET, ARCHIVE_PREFIX, ARCHIVE_FLUSH_MESSAGES, ARCHIVE_FLUSH_SECONDS', () => {
    expect(
      loadConfig({
        ARCHIVE_BUCKET: 'archive-bucket',
        ARCHIVE_PREFIX: 'raw/kafka/',
        ARCHIVE_FLUSH_MESSAGES: '500',
        ARCHIVE_FLUSH_SECONDS: '60',
      }).archive,
    ).toEqual({ bucket: 'archive-bucket', prefix: 'raw/kafka/', flushMessages: 500, flushSeconds: 60 });
  });

  it('names the variable of every bad value', () => {
    const problems = configProblems({
      ARCHIVE_BUCKET: 'Not_A_Bucket',
      ARCHIVE_PREFIX: 'no-slash',
      ARCHIVE_FLUSH_MESSAGES: '0',
      ARCHIVE_FLUSH_SECONDS: 'soon',
    }).join('\n');
    expect(problems).toMatch(/ARCHIVE_BUCKET must be an S3 bucket name/);
    expect(problems).toMatch(/ARCHIVE_PREFIX must end with "\/"/);
    expect(problems).toMatch(/ARCHIVE_FLUSH_MESSAGES must be an integer 1\.\.1000000/);
    expect(problems).toMatch(/ARCHIVE_FLUSH_SECONDS must be an integer/);
  });
});
