import { type ErrorCode } from '@switchboard/proto/client';

/**
 * How a connection's packets look on the wire. The core encodes a packet at most once per format
 * and writes the same object to every connection of that format.
 * - `Framed`: protobuf Packet behind a 4-byte big-endian length (TCP).
 * - `Binary`: bare protobuf Packet, one per message (WebSocket `switchboard.v1`).
 * - `Json`: proto3 JSON Packet as a text message (WebSocket `switchboard.v1.json`).
 * - `WsBinary`, `WsText`: the same two, as complete WebSocket frames (header included), for a
 *   WebSocket without compression: the transport writes them to its socket as they are, and a
 *   fan-out frames a packet once for all its connections instead of once per connection.
 */
export const WireFormat = { Framed: 0, Binary: 1, Json: 2, WsBinary: 3, WsText: 4 } as const;
export type WireFormat = (typeof WireFormat)[keyof typeof WireFormat];

/** Whether packets in `format` are proto3 JSON (in both directions). */
export function isJsonFormat(format: WireFormat): boolean {
  return format === WireFormat.Json || format === WireFormat.WsText;
}

/** One encoded outbound unit: a Buffer, or a string for `Json`. */
export type WireChunk = Buffer | string;

/**
 * The port a transport (TCP socket, WebSocket) offers the gate core. Implementations keep no
 * session logic; they only move bytes and report inbound data and closes to the core.
 */
export interface Transport {
  /** The wire format of this connection, fixed for its lifetime. */
  readonly format: WireFormat;
  /**
   * Peer address for logs, sign-in and per-address limits (`ip:port`), read while the transport is
   * open: at accept, at sign-in and when the server closes the connection. Implementations build it
   * on each read rather than keep one per connection, so once the transport has closed it may read
   * `?:0` (what needs it later keeps its own copy, see ConnectionLimits).
   */
  readonly remoteAddress: string;
  /**
   * Bytes accepted by `writeMany` but not yet handed to the OS. The core adds this to its own queue
   * when enforcing the per-connection send bound.
   */
  readonly bufferedAmount: number;
  /**
   * Writes one chunk: what a flush does for a connection with one packet queued, the common case
   * (a push to one device), without an array per connection. The chunk may be shared with other
   * connections and must not be modified.
   */
  write(chunk: WireChunk): void;
  /**
   * Writes every chunk in order with as few system calls as the transport allows (TCP: one writev;
   * WebSocket: one corked burst of messages). The chunks may be shared with other connections and
   * must not be modified.
   */
  writeMany(chunks: readonly WireChunk[]): void;
  /**
   * Closes after what was written has been flushed, telling the peer `code` when the transport can
   * (WebSocket close code 4000 + code). Must be idempotent.
   */
  close(code: ErrorCode, reason: string): void;
  /** Drops the connection now, discarding anything still buffered. Must be idempotent. */
  destroy(): void;
}
