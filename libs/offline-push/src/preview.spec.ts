import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { previewOf } from './preview.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('previewOf', () => {
  it('previews text/* and application/json, parameters and case ignored', () => {
    expect(previewOf('text/plain', utf8('hello'), 10)).toBe('hello');
    expect(previewOf('Text/Markdown; charset=utf-8', utf8('# hi'), 10)).toBe('# hi');
    expect(previewOf('application/json', utf8('{"a":1}'), 10)).toBe('{"a":1}');
  });

  it('gives an empty preview for any other content type', () => {
    for (const type of ['image/png', 'application/octet-stream', 'application/jsonx', 'textual/plain', '']) {
      expect(previewOf(type, utf8('secret'), 10), type).toBe('');
    }
  });

  it('cuts on a code point, never inside a surrogate pair', () => {
    expect(previewOf('text/plain', utf8('😀😁😂'), 2)).toBe('😀😁');
    expect(previewOf('text/plain', utf8('aé€😀b'), 4)).toBe('aé€😀');
    expect(previewOf('text/plain', utf8('abc'), 0)).toBe('');
  });

  it('replaces control characters and line separators with spaces', () => {
    expect(previewOf('text/plain', utf8('a\nb\tc\u0000d\u007fe\u0085f\u2028g'), 20)).toBe('a b c d e f g');
  });

  it('turns invalid UTF-8 into U+FFFD', () => {
    expect(previewOf('text/plain', Uint8Array.of(0x61, 0xff, 0x62), 10)).toBe('a\ufffdb');
  });

  it('property: at most maxChars code points, no control characters, a prefix of the decoded text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 40 }), (text, maxChars) => {
        const preview = previewOf('text/plain', utf8(text), maxChars);
        const points = [...preview];
        expect(points.length).toBeLessThanOrEqual(maxChars);
        expect(preview).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(preview).not.toMatch(/\p{Cs}/u);
        const expected = [...text]
          .slice(0, maxChars)
          .join('')
          .replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
        expect(preview).toBe(expected);
      }),
    );
  });

  it('property: arbitrary bytes never give a lone surrogate or more than maxChars code points', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 60 }), (bytes, maxChars) => {
        const preview = previewOf('application/json', bytes, maxChars);
        expect([...preview].length).toBeLessThanOrEqual(maxChars);
        expect(preview).not.toMatch(/\p{Cs}/u);
        expect(preview).not.toMatch(/\p{Cc}/u);
      }),
    );
  });
});
