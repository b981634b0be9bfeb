import path from 'node:path';

/** The repository root, whether this code runs from sources (tsx/vitest) or from dist/. */
export const REPO_ROOT = path.resolve(
  __dirname,
  '..',
  ...(__dirname.split(path.sep).includes('dist') ? ['..'] : []),
);

export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}
