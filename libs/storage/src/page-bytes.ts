import type { ConversationMessage } from './types.js';

/**
 * What a message costs a page beyond its content and text fields: protobuf tags and lengths, the
 * numbers (ids, seqs, time) and the conversation and sender envelopes. Generous on purpose: the
 * bound is there to keep a page under transport limits, so it may overcount but must not undercount
 * by much.
 */
export const MESSAGE_OVERHEAD_BYTES = 64;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** About how many bytes a message adds to a SYNC or HISTORY page as the client receives it. */
export function messageBytes(m: ConversationMessage): number {
  return (
    m.content.length +
    utf8Length(m.contentType) +
    utf8Length(m.clientMsgId) +
    utf8Length(m.senderUserId) +
    utf8Length(m.senderDeviceId) +
    utf8Length(m.conversation.id) +
    MESSAGE_OVERHEAD_BYTES
  );
}

/**
 * The longest prefix of `messages` whose {@link messageBytes} add up to at most `maxBytes`, but
 * never fewer than one message: a message larger than the bound goes out alone on its own page,
 * so a page is never empty while messages remain and paging always moves forward.
 */
export function takeWithinBytes<T extends ConversationMessage>(
  messages: readonly T[],
  maxBytes: number,
): T[] {
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    total += messageBytes(messages[i]!);
    if (total > maxBytes && i > 0) return messages.slice(0, i);
  }
  return messages.slice();
}
