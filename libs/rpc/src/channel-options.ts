import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * The largest gRPC message any Switchboard service sends or accepts, on every server and client.
 *
 * grpc-js's defaults are asymmetric (4 MiB to receive, no bound to send), so a reply the server
 * happily sent could fail on the caller. Set both explicitly, the same everywhere. What the
 * services legitimately carry stays far below it: a SYNC or HISTORY page is at most
 * `logic.syncMaxBytes` or one message (both capped at 4 MiB by the config schema, 256 KiB and
 * 60,000 bytes by default), and logic splits DeliverToUsers batches at {@link GRPC_BATCH_TARGET_BYTES}.
 * 16 MiB keeps a 4x margin over those and matches what the servers accepted before.
 */
export const GRPC_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Size a batching caller aims to keep one request under (a quarter of the message limit). */
export const GRPC_BATCH_TARGET_BYTES = GRPC_MAX_MESSAGE_BYTES / 4;

/**
 * Channel options for every Switchboard gRPC client (pass as the third argument of a generated
 * `*ServiceClient` constructor) and server: the message size limits above.
 */
export const GRPC_CHANNEL_OPTIONS: Readonly<ChannelOptions> = Object.freeze({
  'grpc.max_receive_message_length': GRPC_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': GRPC_MAX_MESSAGE_BYTES,
});
