import { parse } from 'csv-parse/sync';
import { validateCsvRow, type RuleContext, type Verdict } from './rules';
import type { RawLine } from '../../pipeline/line-splitter';

/**
 * History CSV handling below the rules: numbered physical lines (pipeline/line-splitter.ts) ->
 * fields. We split lines ourselves rather than stream through csv-parse because a reject needs its exact line number and
 * raw bytes, invalid UTF-8 must spoil only its own line, and an unbalanced quote must not swallow
 * the rest of the file. csv-parse still splits every line that contains a quote, so quoting rules
 * come from the library. Consequence: a quoted field cannot span lines (the contract's files have
 * one row per line); each fragment of such a row becomes a `malformed` reject.
 */

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
