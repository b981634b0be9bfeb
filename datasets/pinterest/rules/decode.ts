/**
 * Checks 1 and 2: bytes (or text) to one JSON object, or `malformed` / `too_large`. Malformed wins
 * over too_large, so an oversize payload is still syntax-checked, but without being materialised.
 */
import { isJsonObjectText } from '../../../common/json-object-text';
import { MAX_PAYLOAD_BYTES, type PinterestReject, reject } from './types';
import { utf8Length } from '../../../common/utf8';

/** Own enumerable properties are the keys; JSON.parse makes `__proto__` an own key, never a prototype. */
export type DecodedRecord = Readonly<Record<string, unknown>>;

export type DecodeResult = { ok: true; record: DecodedRecord } | { ok: false; verdict: PinterestReject };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function decodePayload(raw: unknown): DecodeResult {
  const text = toText(raw);
  if (typeof text !== 'string') return fail('malformed', text.problem);
  const bytes = typeof raw === 'string' ? utf8Length(text) : (raw as Uint8Array).byteLength;

  let value: unknown;
  if (bytes > MAX_PAYLOAD_BYTES) {
    if (!isJsonObjectText(text)) return fail('malformed', 'not a JSON object');
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      return fail('malformed', text === '' ? 'empty payload' : 'not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(
        'malformed',
        `JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}, not an object`,
      );
    }
  }
  // PostgreSQL text cannot hold U+0000 and UTF-8 cannot hold a lone surrogate: only escapes make them.
  const escape = badEscape(text);
  if (escape !== undefined) return fail('malformed', escape);
  if (bytes > MAX_PAYLOAD_BYTES) return fail('too_large', `${bytes} bytes, limit ${MAX_PAYLOAD_BYTES}`);
  return { ok: true, record: value as DecodedRecord };
}

/**
 * In valid JSON every backslash starts an escape inside a string (keys included), so a left-to-right
 * scan of `\x` pairs sees each escape exactly once, nested values and oversize payloads alike.
 */
function badEscape(text: string): string | undefined {
  let i = text.indexOf('\\');
  while (i >= 0) {
    if (text.charCodeAt(i + 1) === 0x75 /* u */) {
      const unit = parseInt(text.slice(i + 2, i + 6), 16);
      if (unit === 0) return 'a string holds U+0000';
      if (unit >= 0xdc00 && unit <= 0xdfff) return 'a string holds an unpaired surrogate';
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const next = text.slice(i + 6, i + 8) === '\\u' ? parseInt(text.slice(i + 8, i + 12), 16) : NaN;
        if (!(next >= 0xdc00 && next <= 0xdfff)) return 'a string holds an unpaired surrogate';
        i += 6; // the low half is this pair's, not a lone one
      }
      i = text.indexOf('\\', i + 6);
    } else {
      i = text.indexOf('\\', i + 2);
    }
  }
  return undefined;
}

function toText(raw: unknown): string | { problem: string } {
  if (typeof raw === 'string') {
    // A JS string may hold lone surrogates, which no UTF-8 byte sequence can.
    return LONE_SURROGATE.test(raw) ? { problem: 'text has a lone surrogate (not UTF-8)' } : raw;
  }
  // isView, not instanceof: Temporal's workflow sandbox is another realm, and Buffer is a Uint8Array.
  if (ArrayBuffer.isView(raw)) {
    try {
      // ignoreBOM keeps a BOM in the text, so JSON.parse rejects it as RFC 8259 asks.
      return utf8.decode(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    } catch {
      return { problem: 'not valid UTF-8' };
    }
  }
  return { problem: raw === null || raw === undefined ? 'no payload' : 'payload is not bytes or text' };
}

function fail(reason: 'malformed' | 'too_large', detail: string): DecodeResult {
  return { ok: false, verdict: reject(reason, detail) };
}
