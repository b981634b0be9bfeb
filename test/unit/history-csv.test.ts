import { describe, expect, it } from 'vitest';
import { CsvLineJudge, splitFields } from '../../datasets/kiosk/history-csv';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import { LineSplitter, type RawLine } from '../../pipeline/line-splitter';
import { ctx } from './domain/fixtures';

/** All lines of `input` fed in chunks of `size` bytes (1 = every possible split point). */
function lines(input: Buffer | string, size = 7, maxLineBytes?: number): RawLine[] {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const s = new LineSplitter(1, 0, maxLineBytes);
  const out: RawLine[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...s.push(bytes.subarray(i, i + size)));
  return [...out, ...s.end()];
}

const texts = (ls: RawLine[]) => ls.map((l) => l.bytes.toString('latin1'));

/** line number -> outcome word (header, blank, rating, or the reject reason). */
function judgeAll(input: Buffer | string): Array<[number, string]> {
  const judge = new CsvLineJudge(ctx);
  return lines(input).map((raw) => {
    const v = judge.judge(raw);
    const word =
      v.kind !== 'row' ? v.kind : v.verdict.kind === 'rejected' ? v.verdict.reason : v.verdict.kind;
    return [raw.line, word];
  });
}

describe('LineSplitter', () => {
  it('numbers lines and reports the byte offset after each, whatever the chunking', () => {
    const input = 'a,b\nccc\n\nd\n';
    for (const size of [1, 2, 3, 64]) {
      const ls = lines(input, size);
      expect(texts(ls)).toEqual(['a,b', 'ccc', '', 'd']);
      expect(ls.map((l) => [l.line, l.endOffset])).toEqual([
        [1, 4],
        [2, 8],
        [3, 9],
        [4, 11],
      ]);
    }
  });

  it('strips CRLF and keeps a last line without a terminator', () => {
    expect(texts(lines('a\r\nb\r\nc', 1))).toEqual(['a', 'b', 'c']);
    expect(lines('a\r\nb\r\nc').at(-1)?.endOffset).toBe(7);
    expect(texts(lines('a\n'))).toEqual(['a']);
    expect(lines('')).toEqual([]);
  });

  it('resumes numbering and offsets from a checkpoint', () => {
    const s = new LineSplitter(41, 1000);
    expect(s.push(Buffer.from('x\ny\n')).map((l) => [l.line, l.endOffset])).toEqual([
      [41, 1002],
      [42, 1004],
    ]);
  });

  it('caps an endless line instead of buffering it', () => {
    const ls = lines(`${'x'.repeat(100)}\nok\n`, 16, 10);
    expect(ls[0]).toMatchObject({ line: 1, oversize: true, endOffset: 101 });
    expect(ls[0]?.bytes.length).toBe(10);
    expect(ls[1]).toMatchObject({ line: 2, oversize: false, endOffset: 104 });
  });
});

describe('splitFields', () => {
  it('splits plain and quoted fields like csv-parse', () => {
    expect(splitFields('2023-03-06 15:09:21,4,0,')).toEqual({
      fields: ['2023-03-06 15:09:21', '4', '0', ''],
    });
    expect(splitFields('"2023-03-06 15:09:21","4","-1","0.0"')).toEqual({
      fields: ['2023-03-06 15:09:21', '4', '-1', '0.0'],
    });
    expect(splitFields('a,"b,c","d""e"')).toEqual({ fields: ['a', 'b,c', 'd"e'] });
  });

  it('reports broken quoting instead of reading past the line', () => {
    expect(splitFields('2023-03-06 15:09:21,"4,0,')).toMatchObject({ error: expect.stringMatching(/quot/i) });
    expect(splitFields('2023-03-06 15:09:21,4"x,0,')).toMatchObject({ error: expect.any(String) });
  });
});

describe('CsvLineJudge', () => {
  const HEADER = 'at,site,val,type\n';
  const ok = '2023-03-06 15:09:21,4,0,\n';

  it('takes the first line as header and judges the rest with the rules', () => {
    expect(judgeAll(`${HEADER}${ok}2023-03-06 09:02:11,1,-1,0.0\n2023-03-06 08:30:00,1,2,\n`)).toEqual([
      [1, 'header'],
      [2, 'rating'],
      [3, 'request'],
      [4, 'out_of_hours'],
    ]);
  });

  it('handles CRLF, a BOM, blank lines and a truncated last line', () => {
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`at,site,val,type\r\n${ok.trim()}\r\n\r\n\n${ok.trim()}`),
    ]);
    expect(judgeAll(file)).toEqual([
      [1, 'header'],
      [2, 'rating'],
      [3, 'blank'],
      [4, 'blank'],
      [5, 'rating'],
    ]);
  });

  it('skips repeated header lines (with or without a BOM) but not look-alikes', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const file = Buffer.concat([
      Buffer.from(`${HEADER}${ok}${HEADER}`),
      bom,
      Buffer.from(`${HEADER}at,site,val\n`),
    ]);
    expect(judgeAll(file)).toEqual([
      [1, 'header'],
      [2, 'rating'],
      [3, 'repeated-header'],
      [4, 'repeated-header'],
      [5, 'malformed'],
    ]);
  });

  it('rejects extra or missing columns, bad quoting and invalid UTF-8 on their own line only', () => {
    const file = Buffer.concat([
      Buffer.from(
        `${HEADER}2023-03-06 15:09:21,4,0,,extra\n2023-03-06 15:09:21,4,0\n"2023-03-06 15:09:21",4,"0,\n`,
      ),
      Buffer.from([0x32, 0x30, 0xff, 0xfe, 0x2c, 0x0a]),
      Buffer.from(`"2023-03-06 15:09:21","4","0",""\n`),
    ]);
    expect(judgeAll(file)).toEqual([
      [1, 'header'],
      [2, 'malformed'],
      [3, 'malformed'],
      [4, 'malformed'],
      [5, 'malformed'],
      [6, 'rating'],
    ]);
  });

  it('rejects every row when the header line is unreadable, the header line included', () => {
    const file = Buffer.concat([Buffer.from([0xff, 0x0a]), Buffer.from(ok)]);
    expect(judgeAll(file)).toEqual([
      [1, 'malformed'],
      [2, 'malformed'],
    ]);
  });

  it('judges rows after a resume with the header it is given', () => {
    const judge = new CsvLineJudge(ctx, ['at', 'site', 'val', 'type']);
    const [raw] = new LineSplitter(7, 500).push(Buffer.from(ok));
    expect(judge.judge(raw!)).toMatchObject({ kind: 'row', verdict: { kind: 'rating', site: 4 } });
  });
});

describe('CopyTextBuffer', () => {
  it('writes COPY text that survives tabs, newlines, backslashes and NUL, bytea and NULL', () => {
    const text = new CopyTextBuffer();
    text.row(['7', 'a\tb\\c\nd\u0000e\rf', Buffer.from([0x41, 0xff]), null]);
    text.row(['8', '2023-03-06T15:09:21.000000Z', Buffer.alloc(0), 'x']);
    expect(text.bytes().toString('utf8').split('\n')).toEqual([
      '7\ta\\tb\\\\c\\nd\\\\0e\\rf\t\\\\x41ff\t\\N',
      '8\t2023-03-06T15:09:21.000000Z\t\\\\x\tx',
      '',
    ]);
    expect(text.rows).toBe(2);
  });
});
