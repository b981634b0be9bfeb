import { describe, expect, it } from 'vitest';
import { REFERENCE_CATALOGUE } from '../../../datasets/kiosk/rules/catalogue';
import {
  isExhibitionError,
  isExhibitionKey,
  isHistoryKey,
  parseExhibitionJson,
} from '../../../datasets/kiosk/rules/exhibition';
import { rowsInFile, writeHistory, type HistoryProgress } from '../../../datasets/kiosk/simulator';
import { fakeS3 } from './fake-s3';

const HISTORY = { now: Date.parse('2025-06-15T12:00:00Z') };

describe('writeHistory', () => {
  it('splits rows over CSV objects and writes the exhibition metadata beside them', async () => {
    const { s3, objects } = fakeS3();
    const progress: HistoryProgress[] = [];
    const result = await writeHistory({
      s3,
      bucket: 'b',
      rows: 10_001,
      files: 3,
      seed: 1,
      history: HISTORY,
      onProgress: (p) => progress.push(p),
    });

    expect(result.files).toEqual([
      { key: 'lmnh_hist_data_0.csv', rows: 3_334 },
      { key: 'lmnh_hist_data_1.csv', rows: 3_334 },
      { key: 'lmnh_hist_data_2.csv', rows: 3_333 },
    ]);
    const t = result.totals;
    expect(t.rows).toBe(10_001);
    expect(t.ratings + t.requests + t.beforeOpening).toBe(10_001);
    for (const { key, rows } of result.files) {
      const text = objects.get(key)!.toString('utf8');
      expect(isHistoryKey(key)).toBe(true);
      expect(text.startsWith('at,site,val,type\n')).toBe(true);
      expect(text.endsWith('\n') && !text.includes('\r')).toBe(true);
      expect(text.split('\n')).toHaveLength(rows + 2);
    }

    const docs = [...objects.keys()].filter(isExhibitionKey);
    expect(docs.sort()).toEqual([...result.exhibitionKeys].sort());
    const parsed = docs.map((k) => parseExhibitionJson(objects.get(k)!));
    for (const e of REFERENCE_CATALOGUE) {
      const doc = parsed.find((p) => !isExhibitionError(p) && p.publicId === e.publicId);
      expect(doc).toMatchObject({
        name: e.name,
        floor: e.floor,
        department: e.department,
        startDate: e.startDate,
      });
    }
    expect(objects.get('lmnh_exhibition_thunder_lizards.json')!.toString()).toContain(
      '"START_DATE":"01/02/23"',
    );
    expect(objects.has(result.noteKey) && result.noteKey.endsWith('.txt')).toBe(true);

    const last = progress.at(-1)!;
    expect(last).toEqual({ rowsWritten: 10_001, totalRows: 10_001, filesDone: 3, files: 3 });
    expect(progress.every((p, i) => i === 0 || p.rowsWritten >= progress[i - 1]!.rowsWritten)).toBe(true);
  });

  it('streams large files as multipart uploads, byte-identical for the same seed', async () => {
    const first = fakeS3();
    const second = fakeS3();
    const options = {
      bucket: 'b',
      rows: 240_000,
      files: 1,
      seed: 'big',
      history: HISTORY,
      partSize: 5 * 1024 * 1024,
    };
    await writeHistory({ ...options, s3: first.s3 });
    await writeHistory({ ...options, s3: second.s3 });
    expect(first.partsSent()).toBeGreaterThanOrEqual(2);
    const csv = first.objects.get('lmnh_hist_data_0.csv')!;
    expect(csv.equals(second.objects.get('lmnh_hist_data_0.csv')!)).toBe(true);
    expect(csv.toString('utf8').split('\n')).toHaveLength(240_002);
  });

  it('spreads rows evenly and rejects a non-positive file count', async () => {
    expect([0, 1, 2, 3].map((i) => rowsInFile(10, 4, i))).toEqual([3, 3, 2, 2]);
    const { s3 } = fakeS3();
    await expect(writeHistory({ s3, bucket: 'b', rows: 1, files: 0, seed: 1 })).rejects.toThrow(/files/);
  });
});
