/**
 * Safe previews of raw payloads for a terminal: a reject's bytes are whatever a producer sent, so
 * controls, bidi overrides and zero-width characters are escaped, never printed.
 */

/** Characters of a preview unless the caller says otherwise. */
export const PREVIEW_CHARS = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Controls, format characters (bidi overrides, zero-width), separators, private use, unassigned.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u;

function escapeCodePoint(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  if (!UNSAFE.test(ch)) return ch;
  const cp = ch.codePointAt(0) ?? 0;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

function cut(pieces: Iterable<string>, maxChars: number, more: boolean): string {
  let out = '';
  for (const p of pieces) {
    if (out.length + p.length > maxChars) return `${out}…`;
    out += p;
  }
  return more ? `${out}…` : out;
}

/** Text safe for a terminal: escapes controls, bidi and zero-width characters, cut to `maxChars`. */
export function escapeText(text: string, maxChars = Infinity): string {
  return cut(
    (function* () {
      for (const ch of text) yield escapeCodePoint(ch);
    })(),
    maxChars,
    false,
  );
}

/**
 * A safe preview of raw bytes: valid UTF-8 shows as text with unsafe characters escaped; anything
 * else shows printable ASCII as is and every other byte as \xHH. `totalBytes` > bytes given means
 * the payload goes on (an ellipsis is added).
 */
export function rawPreview(raw: Uint8Array, maxChars = PREVIEW_CHARS, totalBytes = raw.length): string {
  const more = totalBytes > raw.length;
  let text: string | undefined;
  try {
    text = utf8.decode(raw);
  } catch {
    // A cut in the middle of a multi-byte character is not invalid UTF-8: retry without the tail.
    for (let drop = 1; more && drop <= 3 && text === undefined; drop++) {
      try {
        text = utf8.decode(raw.subarray(0, raw.length - drop));
      } catch {
        // keep trying
      }
    }
  }
  if (text !== undefined) {
    return cut(
      (function* () {
        for (const ch of text) yield escapeCodePoint(ch);
      })(),
      maxChars,
      more,
    );
  }
  return cut(
    (function* () {
      for (const b of raw) {
        yield b >= 0x20 && b < 0x7f
          ? escapeCodePoint(String.fromCharCode(b))
          : `\\x${b.toString(16).padStart(2, '0')}`;
      }
    })(),
    maxChars,
    more,
  );
}
