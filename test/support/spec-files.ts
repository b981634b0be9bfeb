import path from 'node:path';

/**
 * The repository's own copies of the team's contracts, so a plain clone is complete. The keys are the
 * file names in ../shared/spec, where the team keeps the originals; test/unit/spec-copies.test.ts keeps
 * the two from drifting apart.
 */
const REPO = path.resolve(__dirname, '../..');

export const SPEC_COPIES: Readonly<Record<string, string>> = {
  'architecture.md': path.join(REPO, 'docs/spec/architecture.md'),
  'kiosk-events.md': path.join(REPO, 'docs/spec/kiosk-events.md'),
  'pinterest-posts.md': path.join(REPO, 'docs/spec/pinterest-posts.md'),
  'vectors.jsonl': path.join(REPO, 'test/fixtures/kiosk-vectors.jsonl'),
  'pinterest-vectors.jsonl': path.join(REPO, 'test/fixtures/pinterest-vectors.jsonl'),
};

/** Where the team's originals live when the shared folder sits beside the checkout. */
export const SHARED_SPEC_DIR = path.resolve(REPO, '../shared/spec');

export const KIOSK_VECTORS_FILE = SPEC_COPIES['vectors.jsonl'] as string;
