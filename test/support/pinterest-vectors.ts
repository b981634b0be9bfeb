import fs from 'node:fs';
import type { Pool } from 'pg';
import { expect } from 'vitest';
import { inTransaction } from '../../db/transaction';
import { judgePinterestRecord, type PinterestType } from '../../datasets/pinterest/rules';
import { readStoredRows } from '../../datasets/pinterest/stored-rows';
import type { Outcome } from './pinterest';
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

/** The identity a payload claims when accepted alone, if it is accepted. */
function identityOf(type: PinterestType, raw: string): string | undefined {
  const verdict = judgePinterestRecord(type, raw, { now: Date.now() });
  return verdict.kind === 'rejected' ? undefined : `${type}:${verdict.row.ind}`;
}

/**
 * Vectors are judged alone after their stored payloads, but several share an ind: rounds in which no
 * two vectors touch one identity, with the row tables emptied between rounds.
 */
export function vectorRounds(vectors: readonly PinterestVector[]): PinterestVector[][] {
  const result: { vectors: PinterestVector[]; identities: Set<string> }[] = [];
  for (const v of vectors) {
    const ids = [...(v.stored ?? []), v.raw]
      .map((p) => identityOf(v.type, p))
      .filter((id) => id !== undefined);
    let round = result.find((r) => ids.every((id) => !r.identities.has(id)));
    if (!round) result.push((round = { vectors: [], identities: new Set() }));
    round.vectors.push(v);
    for (const id of ids) round.identities.add(id);
  }
  return result.map((r) => r.vectors);
}

/** The vector's position got the outcome it expects, and an accepted one's stored row is its row. */
export async function expectVectorOutcome(db: Pool, v: PinterestVector, outcome: Outcome | undefined) {
  expect({ raw: v.raw, ...outcome }).toEqual({ raw: v.raw, kind: v.expect, reason: v.reason });
  if (v.expect !== 'rejected') {
    const ind = Number(v.row!.ind);
    const stored = await inTransaction(db, (c) => readStoredRows(c, v.type, [ind]));
    expect(stored.get(ind)).toEqual(v.row);
  }
}
