const decoder = new TextDecoder('utf-8');

// C0 and C1 controls (tabs and newlines included) and the Unicode line and paragraph separators:
// a notification shows one line, and none of them may reach a lock screen raw.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;

/**
 * The preview of a message for a push notification: at most `maxChars` code points of its content
 * decoded as UTF-8 (invalid bytes become U+FFFD), with every control character replaced by a space.
 * Only `text/*` and `application/json` contents are previewed; any other type gives `''`, so images
 * and encrypted payloads never leave the server in a notification.
 *
 * The cut is on a code-point boundary, never inside a surrogate pair. Only the first `4 * maxChars`
 * bytes are decoded (no code point is longer), so a large message costs no more than a short one.
 */
export function previewOf(contentType: string, content: Uint8Array, maxChars: number): string {
  if (maxChars <= 0 || !isPreviewable(contentType)) return '';
  const text = decoder.decode(content.subarray(0, maxChars * 4));
  let out = '';
  let count = 0;
  for (const codePoint of text) {
    if (count === maxChars) break;
    out += codePoint;
    count += 1;
  }
  return out.replace(CONTROL, ' ');
}

function isPreviewable(contentType: string): boolean {
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return mediaType.startsWith('text/') || mediaType === 'application/json';
}
