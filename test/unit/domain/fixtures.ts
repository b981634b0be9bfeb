import {
  REFERENCE_CATALOGUE,
  type RuleContext,
  type Verdict,
  catalogueFromPublicIds,
} from '../../../datasets/kiosk/rules';
import { REJECT_REASONS } from '../../../datasets/kiosk/rules/rules';

/** Fixed "now" for every test: well after all dated fixtures, so future_at only fires on purpose. */
export const NOW = new Date('2026-11-23T12:00:00Z');

export const REFERENCE_LOOKUP = catalogueFromPublicIds(REFERENCE_CATALOGUE.map((e) => e.publicId));

export const ctx: RuleContext = { catalogue: REFERENCE_LOOKUP, now: NOW, timeZone: 'Europe/London' };

/** Structural check that a verdict is one of the three documented shapes. */
export function isWellFormedVerdict(v: Verdict): boolean {
  switch (v.kind) {
    case 'rejected':
      return (
        (REJECT_REASONS as readonly string[]).includes(v.reason) &&
        typeof v.detail === 'string' &&
        v.detail !== ''
      );
    case 'rating':
    case 'request': {
      const value = v.kind === 'rating' ? v.rating : v.request;
      const max = v.kind === 'rating' ? 4 : 1;
      return (
        Number.isInteger(value) &&
        value >= 0 &&
        value <= max &&
        REFERENCE_LOOKUP.get(v.site) === v.exhibitionPublicId &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v.eventAt.iso)
      );
    }
    default:
      return false;
  }
}

/** `reason` for rejections, `kind` otherwise: the one word a vector or a table row expects. */
export function outcome(v: Verdict): string {
  return v.kind === 'rejected' ? v.reason : v.kind;
}
