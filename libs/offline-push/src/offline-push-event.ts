import { previewOf } from './preview.js';

/**
 * One stored message that reached a user with no online device. Logic emits it; the webhook worker
 * posts it to the app's webhook, where the app hands it to APNs, FCM or anything else.
 *
 * Delivery is at-least-once: the same event (same `id`) can reach a receiver more than once, so a
 * receiver dedupes on `id` (sent again as the `X-Switchboard-Event-Id` header).
 */
export interface OfflinePushEvent {
  /** Unique per (app, message, recipient): `${appId}:${messageId}:${userId}`. */
  readonly id: string;
  readonly appId: string;
  /** The recipient with no online device. */
  readonly userId: string;
  /** The stored message's id: a decimal string, because it may not fit a JavaScript number. */
  readonly messageId: string;
  readonly senderUserId: string;
  /** The group the message was sent to; `''` for a 1:1 or system message. */
  readonly groupId: string;
  /** The message's MIME type, as the sender gave it. */
  readonly contentType: string;
  /** The start of a text message (see {@link previewOf}); `''` for other content types. */
  readonly preview: string;
  /** When the message was stored, in milliseconds since the epoch. */
  readonly sentAt: number;
}

/** What logic knows about a message when it finds the recipient offline. */
export interface OfflineMessage {
  readonly appId: string;
  readonly userId: string;
  /** A decimal string or a bigint; either way 64-bit safe. */
  readonly messageId: string | bigint;
  readonly senderUserId: string;
  /** The group the message was sent to, if any. */
  readonly groupId?: string;
  readonly contentType: string;
  /** The full content; only its first `previewChars` characters can leave the server. */
  readonly content: Uint8Array;
  readonly sentAt: number;
}

/** Builds the event of an offline message, with a preview of at most `previewChars` characters. */
export function offlinePushEventOf(message: OfflineMessage, previewChars: number): OfflinePushEvent {
  const messageId = typeof message.messageId === 'bigint' ? message.messageId.toString() : message.messageId;
  if (!/^\d{1,20}$/.test(messageId)) {
    throw new RangeError(`a message id must be a decimal string, got ${JSON.stringify(messageId)}`);
  }
  return {
    id: `${message.appId}:${messageId}:${message.userId}`,
    appId: message.appId,
    userId: message.userId,
    messageId,
    senderUserId: message.senderUserId,
    groupId: message.groupId ?? '',
    contentType: message.contentType,
    preview: previewOf(message.contentType, message.content, previewChars),
    sentAt: message.sentAt,
  };
}

/**
 * The JSON body POSTed to an app's webhook: the event's fields plus `type`. Example:
 *
 * ```json
 * {"type":"offline_message","id":"app1:42:bob","appId":"app1","userId":"bob","messageId":"42",
 *  "senderUserId":"alice","groupId":"","contentType":"text/plain","preview":"hi Bob","sentAt":1700000000000}
 * ```
 */
export interface OfflinePushWebhookBody extends OfflinePushEvent {
  readonly type: 'offline_message';
}

/** The exact body text the worker posts (and signs) for an event. */
export function webhookBodyOf(event: OfflinePushEvent): string {
  const body: OfflinePushWebhookBody = { type: 'offline_message', ...event };
  return JSON.stringify(body);
}
