import { parse } from 'csv-parse/sync';
import { validateCsvRow, type RuleContext, type Verdict } from '../domain';

/**
 * History CSV handling below the rules: bytes -> numbered physical lines -> fields. We split lines
 * ourselves rather than stream through csv-parse because a reject needs its exact line number and
 * raw bytes, invalid UTF-8 must spoil only its own line, and an unbalanced quote must not swallow
 * the rest of the file. csv-parse still splits every line that contains a quote, so quoting rules
 * come from the library. Consequence: a quoted field cannot span lines (the contract's files have
 * one row per line); each fragment of such a row becomes a `malformed` reject.
 */

/** One physical line, terminator (LF, and a CR before it) removed. */
export interface RawLine {
  /** 1-based. */
  line: number;
  bytes: Buffer;
  /** Byte offset just past this line's terminator: where the next line starts (the resume point). */
  endOffset: number;
  /** Longer than the splitter keeps; `bytes` holds only the first `maxLineBytes`. */
  oversize: boolean;
}

/** Far above any real row (the rules reject rows over 64 KiB), low enough to keep memory flat. */
export const MAX_LINE_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryOversize = false;

  constructor(
    private nextLine = 1,
    private offset = 0,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  /** Lines completed by `chunk`; a partial last line waits for the next chunk or `end()`. */
  push(chunk: Buffer): RawLine[] {
    const out: RawLine[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(LF, start); lf !== -1; lf = chunk.indexOf(LF, start)) {
      this.offset += lf + 1 - start;
      out.push(this.finish(chunk.subarray(start, lf)));
      start = lf + 1;
    }
    if (start < chunk.length) {
      this.offset += chunk.length - start;
      this.keep(chunk.subarray(start));
    }
    return out;
  }

  /** The last line when the file does not end with LF (a truncated upload still loads it). */
  end(): RawLine[] {
    return this.carryBytes > 0 || this.carryOversize ? [this.finish(Buffer.alloc(0))] : [];
  }

  private keep(piece: Buffer): void {
    const room = this.maxLineBytes - this.carryBytes;
    if (piece.length > room) this.carryOversize = true;
    if (room <= 0) return;
    // A copy, so the line does not pin the whole network chunk it came from.
    const kept = Buffer.from(piece.subarray(0, room));
    this.carry.push(kept);
    this.carryBytes += kept.length;
  }

  private finish(tail: Buffer): RawLine {
    let bytes = tail;
    let oversize = this.carryOversize;
    if (this.carryBytes > 0 || oversize) {
      this.keep(tail);
      oversize = this.carryOversize;
      bytes = Buffer.concat(this.carry, this.carryBytes);
    } else if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, this.maxLineBytes);
      oversize = true;
    }
    if (!oversize && bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    this.carry = [];
    this.carryBytes = 0;
    this.carryOversize = false;
    return { line: this.nextLine++, bytes, endOffset: this.offset, oversize };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The line as text, without a leading BOM (files concatenated by the old seeds carry one mid-file). */
export function decodeLine(bytes: Uint8Array): { text: string } | { error: string } {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1') };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: 'line is not valid UTF-8' };
  }
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

const CSV_OPTIONS = { relax_column_count: true, record_delimiter: '\n' } as const;

/** Fields of one line; only lines with a quote pay for the library's parser. */
export function splitFields(text: string): { fields: string[] } | { error: string } {
  if (!text.includes('"')) return { fields: text.split(',') };
  try {
    const records = parse(text, CSV_OPTIONS) as string[][];
    return { fields: records[0] ?? [] };
  } catch (err) {
    return { error: `bad CSV quoting: ${(err as Error).message.split(':')[0]}` };
  }
}

export type LineVerdict =
  | { kind: 'header' }
  | { kind: 'repeated-header' }
  | { kind: 'blank' }
  | { kind: 'row'; verdict: Verdict };

const malformed = (detail: string): LineVerdict => ({
  kind: 'row',
  verdict: { kind: 'rejected', reason: 'malformed', detail },
});

/**
 * Judges the lines of one file in order. The first non-blank line is the header; a later line
 * identical to it (the old seeds' merge artefact) is skipped, not rejected. Everything else is a
 * data row and gets a verdict from the domain rules.
 */
export class CsvLineJudge {
  constructor(
    private readonly ctx: RuleContext,
    /** Known when resuming past the header line. */
    public header: string[] | null = null,
    /** Set when the header line could not be read: every row is then malformed. */
    public headerProblem: string | null = null,
  ) {}

  judge(raw: RawLine): LineVerdict {
    if (raw.bytes.length === 0 && !raw.oversize) return { kind: 'blank' };
    const parsed: ParsedLine = raw.oversize
      ? { error: `line longer than ${raw.bytes.length} bytes` }
      : parseLine(raw.bytes);
    if (this.header === null && this.headerProblem === null) {
      if ('fields' in parsed) {
        this.header = parsed.fields;
        return { kind: 'header' };
      }
      this.headerProblem = `header line ${raw.line}: ${parsed.error}`;
    }
    if (!('fields' in parsed)) {
      if (raw.oversize)
        return { kind: 'row', verdict: { kind: 'rejected', reason: 'too_large', detail: parsed.error } };
      return malformed(parsed.error);
    }
    if (this.header === null) return malformed(`no usable header (${this.headerProblem})`);
    const header = this.header;
    const { fields, text } = parsed;
    if (fields.length === header.length && fields.every((f, i) => f === header[i])) {
      return { kind: 'repeated-header' };
    }
    return { kind: 'row', verdict: validateCsvRow(header, fields, text, this.ctx) };
  }
}

type ParsedLine = { text: string; fields: string[] } | { error: string };

function parseLine(bytes: Buffer): ParsedLine {
  const decoded = decodeLine(bytes);
  if (!('text' in decoded)) return decoded;
  const split = splitFields(decoded.text);
  return 'fields' in split ? { text: decoded.text, fields: split.fields } : split;
}
