/**
 * Rows written straight into COPY text-format bytes. Each row's strings die young; holding strings
 * for a whole batch got them promoted to the old generation and let the heap balloon.
 */
export class CopyTextBuffer {
  private buf: Buffer;
  private length = 0;
  rows = 0;

  /** `initialBytes`: room before the first growth (it doubles as needed). */
  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** One row: strings are escaped, Buffers become bytea hex, null is SQL NULL. */
  row(values: ReadonlyArray<string | Buffer | null>): void {
    let line = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (i > 0) line += '\t';
      line +=
        v === null || v === undefined
          ? '\\N'
          : Buffer.isBuffer(v)
            ? `\\\\x${v.toString('hex')}`
            : copyText(v);
    }
    this.write(`${line}\n`);
    this.rows++;
  }

  private write(text: string): void {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** PostgreSQL text cannot hold NUL; COPY text format needs backslash, tab and newlines escaped. */
export function copyText(s: string): string {
  // Most values (ids, positions, timestamps) need nothing: no copies made for them.
  if (!/[\\\t\n\r]/.test(s) && !s.includes('\u0000')) return s;
  const clean = s.split('\u0000').join('\\0');
  return /[\\\t\n\r]/.test(clean)
    ? clean.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : clean;
}
