// A call carried as a frame on the internal streams: what the client keeps of it until answered.
import type { CallOptions, Metadata, ServiceError } from '@grpc/grpc-js';
import type { ClientStream, StreamFrame } from './client-stream.js';
import { encodeRequest } from './frame-codec.js';

export type Callback = (error: ServiceError | null, response?: unknown) => void;
export type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: Partial<CallOptions>,
  cb: Callback,
) => unknown;

/** One call carried on the streams. */
export class Frame implements StreamFrame {
  stream: ClientStream | undefined = undefined;
  written = false;
  done = false;
  attempts = 1;
  /** While held by WaitingFrames: when it goes out (Unix ms). */
  waitUntil = 0;

  constructor(
    readonly id: number,
    readonly method: StreamedMethod,
    /** Until written (see StreamFrame.takeBytes). */
    private bytes: Buffer | undefined,
    /** Unix ms; Infinity when the call has none. */
    readonly deadline: number,
    readonly callback: Callback,
    /** Kept for a unary fallback. */
    readonly request: unknown,
    readonly metadata: Metadata,
    readonly options: Partial<CallOptions>,
  ) {}

  takeBytes(): Buffer {
    const bytes =
      this.bytes ?? encodeFrame(this.id, this.method, this.method.serialize(this.request), this.deadline);
    this.bytes = undefined;
    return bytes;
  }
}

export interface StreamedMethod {
  path: Buffer;
  retryable: boolean;
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
  unary: UnaryMethod;
}

/** A request frame of `method`; `deadline` in Unix ms, Infinity for none. */
export function encodeFrame(id: number, method: StreamedMethod, payload: Buffer, deadline: number): Buffer {
  return encodeRequest(id, method.path, payload, Number.isFinite(deadline) ? deadline : 0);
}
