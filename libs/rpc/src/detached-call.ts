import { Metadata, type Deadline } from '@grpc/grpc-js';

/**
 * The part of grpc-js's ServerUnaryCall the suite's handlers read, for a call that did not come as
 * an HTTP/2 stream of its own: a call between services of one process (in-process.ts) or a frame
 * on an internal stream (stream/stream-server.ts). Its metadata is empty: the internal credential
 * was checked where the call came in, and no caller sends other metadata.
 */
export class DetachedCall {
  cancelled = false;
  private md: Metadata | undefined;

  constructor(
    readonly request: unknown,
    /** Unix ms; Infinity when the caller set none. */
    private readonly deadline: number,
    private readonly peer: string,
  ) {}

  get metadata(): Metadata {
    return (this.md ??= new Metadata());
  }

  getDeadline(): Deadline {
    return this.deadline;
  }

  getPeer(): string {
    return this.peer;
  }

  sendMetadata(): void {}

  on(): this {
    return this;
  }

  once(): this {
    return this;
  }
}
