import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateKafkaPayload } from '../../../datasets/kiosk/rules';
import { KIOSK_VECTORS_FILE as VECTORS_PATH } from '../../support/spec-files';
import { ctx } from './fixtures';

interface Vector {
  raw: string;
  expect: 'rating' | 'request' | 'rejected';
  reason: string | null;
}

function loadVectors(): Vector[] {
  if (!fs.existsSync(VECTORS_PATH)) {
    throw new Error(
      `Spec test vectors not found at ${VECTORS_PATH}: the repository's copy of shared/spec/vectors.jsonl`,
    );
  }
  return fs
    .readFileSync(VECTORS_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Vector);
}

const vectors = loadVectors();

describe('spec vectors (test/fixtures/kiosk-vectors.jsonl)', () => {
  it('has vectors', () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  it.each(vectors.map((v, i) => [i + 1, v.raw, v] as const))('line %i: %s', (_line, raw, v) => {
    for (const payload of [raw, new TextEncoder().encode(raw)]) {
      const verdict = validateKafkaPayload(payload, ctx);
      expect(verdict.kind).toBe(v.expect);
      expect(verdict.kind === 'rejected' ? verdict.reason : null).toBe(v.reason);
    }
  });
});
