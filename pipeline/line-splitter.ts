/**
 * Bytes of a file -> numbered physical lines, each with the byte offset where the next begins (the
 * resume point of an interrupted extract). Lines longer than `maxLineBytes` keep only their start,
 * so one huge line cannot blow the heap.
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

/**
 * Staged lines (partition 0, offset = line number) as the splitter gave them. Extract keeps only
 * the first MAX_LINE_BYTES of a longer line, so a line that long was oversize.
 */
export function linesOfChunk(lines: ReadonlyArray<{ offset: string; value: Buffer | null }>): RawLine[] {
  return lines.map((l) => {
    const bytes = l.value ?? Buffer.alloc(0);
    return { line: Number(l.offset), bytes, endOffset: 0, oversize: bytes.length >= MAX_LINE_BYTES };
  });
}

/** Physical lines, as the line splitter numbers them: a last line without LF counts too. */
export function countLines(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) n++;
  return body.length > 0 && body[body.length - 1] !== 0x0a ? n + 1 : n;
}
