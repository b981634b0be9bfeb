import type { RejectReason, Verdict } from './rules';

export interface RatingRow {
  position: string;
  publicId: string;
  rating: number;
  eventAt: string;
}

export interface RequestRow {
  position: string;
  publicId: string;
  request: number;
  eventAt: string;
}

export interface RejectRow {
  position: string;
  raw: Buffer;
  reason: RejectReason;
  detail: string;
}

/** One batch split by the rules into what goes to each table. */
export interface SplitBatch {
  ratings: RatingRow[];
  requests: RequestRow[];
  rejects: RejectRow[];
}

export const emptySplit = (): SplitBatch => ({ ratings: [], requests: [], rejects: [] });

/** Adds one judged event to the split; the same for Kafka messages and CSV lines. */
export function addVerdict(split: SplitBatch, position: string, raw: Buffer, verdict: Verdict): void {
  switch (verdict.kind) {
    case 'rating':
      split.ratings.push({
        position,
        publicId: verdict.exhibitionPublicId,
        rating: verdict.rating,
        eventAt: verdict.eventAt.iso,
      });
      return;
    case 'request':
      split.requests.push({
        position,
        publicId: verdict.exhibitionPublicId,
        request: verdict.request,
        eventAt: verdict.eventAt.iso,
      });
      return;
    case 'rejected':
      split.rejects.push({ position, raw, reason: verdict.reason, detail: storableText(verdict.detail) });
  }
}

/** PostgreSQL text cannot hold NUL, and a detail quoting binary input may contain one. */
function storableText(text: string): string {
  return text.split('\u0000').join('\\0').slice(0, 1000);
}
