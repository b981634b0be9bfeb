/**
 * Whether `text` is one JSON object (RFC 8259, as JSON.parse accepts it) without building it.
 * Used only for payloads over the size limit, where the contract still needs malformed vs too_large
 * but materialising megabytes of attacker-chosen JSON would be the expensive part. Linear time,
 * memory proportional to nesting depth, no recursion.
 */
export function isJsonObjectText(text: string): boolean {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== LBRACE) return false;
  const closers: number[] = [];
  for (;;) {
    // A value starts at i.
    i = skipWhitespace(text, i);
    const c = text.charCodeAt(i);
    if (c === LBRACE || c === LBRACKET) {
      const closer = c === LBRACE ? RBRACE : RBRACKET;
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === closer) {
        i += 1;
      } else {
        closers.push(closer);
        if (closer === RBRACE) i = scanKey(text, i);
        if (i < 0) return false;
        continue;
      }
    } else {
      i = scanScalar(text, i);
      if (i < 0) return false;
    }
    // A value ended: close finished containers, then expect the next element.
    for (;;) {
      i = skipWhitespace(text, i);
      const closer = closers[closers.length - 1];
      if (closer === undefined) return i === text.length;
      const d = text.charCodeAt(i);
      if (d === closer) {
        closers.pop();
        i += 1;
        continue;
      }
      if (d !== COMMA) return false;
      i += 1;
      if (closer === RBRACE) i = scanKey(text, skipWhitespace(text, i));
      if (i < 0) return false;
      break;
    }
  }
}

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((ch) => ch.charCodeAt(0)));
const HEX4 = /^[0-9a-fA-F]{4}$/;

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i += 1;
  }
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= 0x39;
}

/** Returns the index just past `"key" :`, or -1. */
function scanKey(text: string, i: number): number {
  const end = scanString(text, i);
  if (end < 0) return -1;
  const colon = skipWhitespace(text, end);
  return text.charCodeAt(colon) === COLON ? colon + 1 : -1;
}

function scanScalar(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return scanString(text, i);
  if (c === MINUS || isDigit(c)) return scanNumber(text, i);
  for (const literal of ['true', 'false', 'null']) if (text.startsWith(literal, i)) return i + literal.length;
  return -1;
}

function scanString(text: string, i: number): number {
  if (text.charCodeAt(i) !== QUOTE) return -1;
  for (let j = i + 1; j < text.length; j += 1) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = text.charCodeAt(j + 1);
      if (e === 0x75 /* u */) {
        if (!HEX4.test(text.slice(j + 2, j + 6))) return -1;
        j += 5;
      } else if (SIMPLE_ESCAPES.has(e)) {
        j += 1;
      } else {
        return -1;
      }
    }
  }
  return -1;
}

function scanNumber(text: string, i: number): number {
  let j = text.charCodeAt(i) === MINUS ? i + 1 : i;
  if (text.charCodeAt(j) === ZERO) j += 1;
  else if (isDigit(text.charCodeAt(j))) j = skipDigits(text, j);
  else return -1;
  if (text.charCodeAt(j) === DOT) {
    if (!isDigit(text.charCodeAt(j + 1))) return -1;
    j = skipDigits(text, j + 1);
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    j += 1;
    const sign = text.charCodeAt(j);
    if (sign === PLUS || sign === MINUS) j += 1;
    if (!isDigit(text.charCodeAt(j))) return -1;
    j = skipDigits(text, j);
  }
  return j;
}

function skipDigits(text: string, i: number): number {
  while (isDigit(text.charCodeAt(i))) i += 1;
  return i;
}
