import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { isCleanText } from './text-rules.js';

/** Longest content_type, in characters (the stored column's width). */
export const CONTENT_TYPE_MAX = 64;

/**
 * A message's content type and size, checked the same way whether it is stored (a SEND, a business
 * send to a user) or only pushed live (room messages, broadcasts, tag pushes).
 */
export function checkContent(contentType: string, content: Uint8Array, maxContentBytes: number): void {
  if (content.length > maxContentBytes) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_CONTENT_TOO_LARGE,
      `content is ${content.length} bytes; the limit is ${maxContentBytes}`,
      { field: 'content' },
    );
  }
  if (contentType.length > CONTENT_TYPE_MAX || !isCleanText(contentType)) {
    throw new SwitchboardError(
      ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      `content_type is at most ${CONTENT_TYPE_MAX} characters without control characters`,
      { field: 'content_type' },
    );
  }
}
