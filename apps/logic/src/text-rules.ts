/**
 * No control characters and no lone surrogates: a value must read the same in every log, key and
 * UTF-8 encoding. (Two different lone surrogates both become U+FFFD in UTF-8, so two user ids that
 * differ only there would share one inbox in the database.)
 */
export function isCleanText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0xdc00 && c <= 0xdfff)) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}
