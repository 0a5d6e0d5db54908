import fc from 'fast-check';

/** Strings rich in what the escaping is about, next to any UTF-16 code units (lone surrogates too). */
export const awkwardString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "'",
      '"',
      '\\',
      '\0',
      '\x1a',
      '\b',
      '\t',
      '\n',
      '\r',
      '?',
      '`',
      '%',
      '_',
      ';',
      '--',
      '/*',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 40,
});
