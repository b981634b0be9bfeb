import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateKafkaPayload } from '../../../domain';
import { ctx } from './fixtures';

// The spec lives beside the repository, in the shared folder.
const VECTORS_PATH = path.resolve(__dirname, '../../../../shared/spec/vectors.jsonl');

interface Vector {
  raw: string;
  expect: 'rating' | 'request' | 'rejected';
  reason: string | null;
}

function loadVectors(): Vector[] {
  if (!fs.existsSync(VECTORS_PATH)) {
    throw new Error(
      `Spec test vectors not found at ${VECTORS_PATH}: the shared/spec folder must sit beside the repo`,
    );
  }
  return fs
    .readFileSync(VECTORS_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Vector);
}

const vectors = loadVectors();

describe('spec vectors (shared/spec/vectors.jsonl)', () => {
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
