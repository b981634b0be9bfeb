import { Readable } from 'node:stream';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DEFAULT_EXHIBITIONS, exhibitionDocument, slugOf, type SimExhibition } from './exhibitions';
import { historyLines, newHistoryStats, type HistoryRowsOptions, type HistoryStats } from './history-rows';
import { deriveSeed } from '../../../simulator/random';

export interface HistoryProgress {
  rowsWritten: number;
  totalRows: number;
  filesDone: number;
  files: number;
}

export interface WriteHistoryOptions {
  s3: S3Client;
  bucket: string;
  /** Data rows over all files. */
  rows: number;
  files: number;
  seed: number | string;
  onProgress?: (progress: HistoryProgress) => void;
  /** Date range, time zone and mix for the rows. */
  history?: Omit<HistoryRowsOptions, 'seed' | 'rows' | 'header' | 'exhibitions'>;
  exhibitions?: readonly SimExhibition[];
  /** Multipart part size in bytes (min 5 MiB); memory per file is about partSize × (queueSize + 1). */
  partSize?: number;
  queueSize?: number;
}

export interface WriteHistoryResult {
  files: { key: string; rows: number }[];
  /** Totals over all files; `ratings`/`requests` are the rows a loader should accept. */
  totals: HistoryStats;
  exhibitionKeys: string[];
  noteKey: string;
}

export const historyKey = (n: number): string => `lmnh_hist_data_${n}.csv`;
export const NOTE_KEY = 'lmnh_exhibition_notes.txt';
const CHUNK_BYTES = 64 * 1024;

/** Rows for file `i` when `rows` are spread as evenly as possible over `files`. */
export const rowsInFile = (rows: number, files: number, i: number): number =>
  Math.floor(rows / files) + (i < rows % files ? 1 : 0);

/**
 * Uploads `rows` history rows as `files` CSV objects plus the exhibition metadata. Each CSV is a
 * pull-based stream, so lines are generated only as fast as S3 takes them and memory stays flat.
 */
export async function writeHistory(options: WriteHistoryOptions): Promise<WriteHistoryResult> {
  const { s3, bucket, rows, files, seed, onProgress } = options;
  if (!Number.isInteger(files) || files < 1) throw new Error('files must be a positive integer');
  const exhibitions = options.exhibitions ?? DEFAULT_EXHIBITIONS;
  const exhibitionKeys = await writeExhibitions(s3, bucket, exhibitions);

  const totals = newHistoryStats();
  const result: WriteHistoryResult['files'] = [];
  let rowsWritten = 0;
  for (let n = 0; n < files; n++) {
    const stats = newHistoryStats();
    const lines = historyLines(
      {
        ...options.history,
        exhibitions,
        seed: deriveSeed(seed, 'history', n),
        rows: rowsInFile(rows, files, n),
      },
      stats,
    );
    const body = Readable.from(
      chunks(lines, (added) => {
        rowsWritten += added;
        onProgress?.({ rowsWritten, totalRows: rows, filesDone: n, files });
      }),
      { objectMode: false },
    );
    const key = historyKey(n);
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' },
      partSize: options.partSize ?? 8 * 1024 * 1024,
      queueSize: options.queueSize ?? 4,
    }).done();
    for (const k of Object.keys(totals) as (keyof HistoryStats)[]) totals[k] += stats[k];
    result.push({ key, rows: stats.rows });
    onProgress?.({ rowsWritten, totalRows: rows, filesDone: n + 1, files });
  }
  return { files: result, totals, exhibitionKeys, noteKey: NOTE_KEY };
}

/** Joins lines into ~64 KiB LF-terminated buffers; reports data rows (not the header) per buffer. */
function* chunks(lines: Iterable<string>, onRows: (added: number) => void): Generator<Buffer> {
  let batch: string[] = [];
  let size = 0;
  let dataRows = -1;
  for (const line of lines) {
    batch.push(line);
    size += line.length + 1;
    dataRows++;
    if (size >= CHUNK_BYTES) {
      yield Buffer.from(`${batch.join('\n')}\n`);
      onRows(dataRows);
      batch = [];
      size = 0;
      dataRows = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(`${batch.join('\n')}\n`);
  if (dataRows > 0) onRows(dataRows);
}

/** One `lmnh_exhibition_<slug>.json` per exhibition, in the bucket's real format; returns the keys. */
export async function writeExhibitionFiles(
  s3: S3Client,
  bucket: string,
  exhibitions: readonly SimExhibition[] = DEFAULT_EXHIBITIONS,
): Promise<string[]> {
  const keys: string[] = [];
  for (const e of exhibitions) {
    const key = `lmnh_exhibition_${slugOf(e.name)}.json`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: exhibitionDocument(e),
        ContentType: 'application/json',
      }),
    );
    keys.push(key);
  }
  return keys;
}

async function writeExhibitions(
  s3: S3Client,
  bucket: string,
  exhibitions: readonly SimExhibition[],
): Promise<string[]> {
  const keys = await writeExhibitionFiles(s3, bucket, exhibitions);
  // Not data: the loader must skip objects whose names match neither pattern.
  const note = `Kiosk history and exhibition metadata written by the museum-etl simulator.\n${keys.join('\n')}\n`;
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: NOTE_KEY, Body: note, ContentType: 'text/plain' }),
  );
  return keys;
}
