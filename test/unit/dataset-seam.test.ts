import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALLED_DATASETS } from '../../datasets';

/**
 * The engine names no dataset: workflows, activities, pipeline, worker, common and db reach the
 * datasets only through the registry (`datasets/index.ts`), and only the worker, which composes
 * the process, imports it. A dataset folder never imports another one.
 */
const REPO = path.resolve(__dirname, '../..');
const ENGINE = ['workflows', 'activities', 'pipeline', 'worker', 'common', 'db'];
/** Inputs recorded before the registry named no dataset; this file says what they meant. */
const RECORDED_INPUTS = 'workflows/recorded-inputs.ts';

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The source without comments, so that a comment may give a dataset as an example. */
function code(file: string): string {
  return fs
    .readFileSync(path.join(REPO, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(file: string): string[] {
  return [...code(file).matchAll(/(?:from|import|import\()\s*'([^']+)'/g)].map((m) =>
    path.relative(REPO, path.resolve(REPO, path.dirname(file), m[1]!)),
  );
}

const names = INSTALLED_DATASETS.allNames;
const engineFiles = ENGINE.flatMap(tsFiles);

describe('the dataset seam', () => {
  it('has engine files to check, and datasets installed', () => {
    expect(engineFiles.length).toBeGreaterThan(40);
    expect(names).toEqual(expect.arrayContaining(['kiosk', 'pinterest']));
  });

  it('the engine imports no dataset folder; only the worker imports the registry', () => {
    const offending = engineFiles.flatMap((file) =>
      importsOf(file)
        .filter((target) => target === 'datasets' || target.startsWith('datasets/'))
        .filter((target) => !(file.startsWith('worker/') && target === 'datasets'))
        .map((target) => `${file} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('the engine spells no dataset name or topic in its code', () => {
    const spelled = [...names, 'lmnh'].map((n) => new RegExp(`['"\`]${n}['"\`.:-]`));
    const offending = engineFiles
      .filter((file) => file !== RECORDED_INPUTS)
      .flatMap((file) => {
        const text = code(file);
        return spelled.filter((re) => re.test(text)).map((re) => `${file} spells ${re.source}`);
      });
    expect(offending).toEqual([]);
  });

  it('a dataset folder imports no other dataset', () => {
    const folders = fs
      .readdirSync(path.join(REPO, 'datasets'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const offending = folders.flatMap((own) =>
      tsFiles(`datasets/${own}`).flatMap((file) =>
        importsOf(file)
          .filter(
            (t) => t.startsWith('datasets/') && !t.startsWith(`datasets/${own}/`) && t !== `datasets/${own}`,
          )
          .map((t) => `${file} imports ${t}`),
      ),
    );
    expect(offending).toEqual([]);
  });
});
