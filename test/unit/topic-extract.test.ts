import { describe, expect, it } from 'vitest';
import { capLimits, DEFAULT_EXTRACT_LIMITS } from '../../pipeline/topic-extract';

describe('capLimits (ingest start --limit)', () => {
  it('asks for no more than what is left and closes the batch once it has it', () => {
    expect(capLimits(DEFAULT_EXTRACT_LIMITS, 7)).toEqual({
      ...DEFAULT_EXTRACT_LIMITS,
      maxMessages: 7,
      targetMessages: 7,
    });
    expect(capLimits(DEFAULT_EXTRACT_LIMITS, 1_000_000)).toEqual(DEFAULT_EXTRACT_LIMITS);
    expect(capLimits(DEFAULT_EXTRACT_LIMITS, undefined)).toBe(DEFAULT_EXTRACT_LIMITS);
  });
});
