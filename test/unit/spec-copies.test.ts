import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_SPEC_DIR, SPEC_COPIES } from '../support/spec-files';

describe('the repository carries its own copy of every contract', () => {
  it.each(Object.entries(SPEC_COPIES))('%s is in the repository', (_name, copy) => {
    expect(fs.existsSync(copy), `${copy} is missing`).toBe(true);
    expect(fs.statSync(copy).size).toBeGreaterThan(0);
  });
});

// Only where the team's shared folder sits beside the checkout; a plain clone has none and is complete
// without it. When it exists, the copies must equal it byte for byte, and every file in it has a copy.
describe.runIf(fs.existsSync(SHARED_SPEC_DIR))('copies equal ../shared/spec', () => {
  it('every shared contract file has a copy in the repository', () => {
    const shared = fs
      .readdirSync(SHARED_SPEC_DIR)
      .filter((f) => fs.statSync(path.join(SHARED_SPEC_DIR, f)).isFile());
    expect(shared.filter((f) => !(f in SPEC_COPIES))).toEqual([]);
  });

  it.each(Object.entries(SPEC_COPIES))('%s equals the shared original', (name, copy) => {
    const original = path.join(SHARED_SPEC_DIR, name);
    if (!fs.existsSync(original)) return; // the team may retire a file; the copy then stands alone
    expect(fs.readFileSync(copy).equals(fs.readFileSync(original)), `${copy} differs from ${original}`).toBe(
      true,
    );
  });
});
