import fs from 'node:fs';
import type { PinterestType } from '../../domain/pinterest';
import { SPEC_COPIES } from './spec-files';

/** One case of pinterest-vectors.jsonl: judged alone, after its optional stored payloads. */
export interface PinterestVector {
  type: PinterestType;
  raw: string;
  expect: 'row' | 'duplicate' | 'rejected';
  reason: string | null;
  row: Record<string, unknown> | null;
  stored?: string[];
}

/** The repository's copy; another test keeps it byte-identical to the shared contract. */
export function readPinterestVectors(): PinterestVector[] {
  return fs
    .readFileSync(SPEC_COPIES['pinterest-vectors.jsonl']!, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PinterestVector);
}
