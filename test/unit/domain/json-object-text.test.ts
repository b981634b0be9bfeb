import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonObjectText } from '../../../common/json-object-text';

/** The oracle: what JSON.parse says. */
function parsesToObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

// Strings built from JSON's own alphabet hit the grammar's corners far more often than random text.
const jsonish = fc
  .array(
    fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      'u',
      '0',
      '1',
      '-',
      '+',
      '.',
      'e',
      'E',
      'a',
      'true',
      'null',
      'false',
      ' ',
      '\n',
      '\t',
      '\u0001',
      '"k"',
      '{"a":',
      '00',
      'é',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('isJsonObjectText agrees with JSON.parse', () => {
  it('on valid JSON of every shape', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(isJsonObjectText(text)).toBe(parsesToObject(text));
      }),
    );
  });

  it('on JSON with one character removed, inserted or replaced', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', '{', '}', '"', ',', ':', '\\', ' ', 'x', '0', '.', '-'),
        (text, at, ch) => {
          const i = at % (text.length + 1);
          for (const mutant of [
            text.slice(0, i) + ch + text.slice(i),
            text.slice(0, i) + ch + text.slice(i + 1),
          ]) {
            expect(isJsonObjectText(mutant)).toBe(parsesToObject(mutant));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on strings made of JSON tokens', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(isJsonObjectText(text)).toBe(parsesToObject(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['{}', true],
    [' {"a": [1, -0.5e+3, "\\u00e9\\n", {"b": null}], "c": true} ', true],
    ['{"a": 01}', false],
    ['{"a": 1.}', false],
    ['{"a": "\\x"}', false],
    ['{"a": "tab\there"}', false],
    ['{"a": "new\nline"}', false],
    ['{"a": "\\u12"}', false],
    ['{"a": 1,}', false],
    ['{"a" 1}', false],
    ['{"a": 1}}', false],
    ['{"a": [1]', false],
    ['{"a": tru}', false],
    ['[{}]', false],
    ['\u00a0{}', false],
    ['', false],
  ] as const)('%j -> %s', (text, expected) => {
    expect(isJsonObjectText(text)).toBe(expected);
    expect(parsesToObject(text)).toBe(expected);
  });
});
