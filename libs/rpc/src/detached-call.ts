import { Metadata, type Deadline } from '@grpc/grpc-js';

type CancelListener = (reason: string) => void;

/**
 * The part of grpc-js's ServerUnaryCall the suite's handlers read, for a call that did not come as
 * an HTTP/2 stream of its own: a call between services of one process (in-process.ts) or a frame
 * on an internal stream (stream/stream-server.ts). Its metadata is empty: the internal credential
 * was checked where the call came in, and no caller sends other metadata.
 *
 * Like a grpc-js call it is `cancelled`, and emits 'cancelled', when its deadline passes or its
 * caller is gone (see {@link notifyCancelled}); no other event is emitted. Listeners are kept only
 * once a handler adds one, so a call costs no emitter.
 */
export class DetachedCall {
  cancelled = false;
  private md: Metadata | undefined;
  private listeners: Array<{ fn: CancelListener; once: boolean }> | undefined;

  constructor(
    readonly request: unknown,
    /** Unix ms; Infinity when the caller set none. */
    readonly deadline: number,
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

  on(event: string, fn: CancelListener): this {
    return this.listen(event, fn, false);
  }

  once(event: string, fn: CancelListener): this {
    return this.listen(event, fn, true);
  }

  off(event: string, fn: CancelListener): this {
    if (event === 'cancelled' && this.listeners) {
      const i = this.listeners.findIndex((l) => l.fn === fn);
      if (i >= 0) this.listeners.splice(i, 1);
    }
    return this;
  }

  removeListener(event: string, fn: CancelListener): this {
    return this.off(event, fn);
  }

  /** Marks the call cancelled and tells its listeners, once, as grpc-js does with a server call. */
  notifyCancelled(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.listeners;
    if (!listeners) return;
    this.listeners = listeners.filter((l) => !l.once);
    for (const l of listeners) l.fn('cancelled');
  }

  private listen(event: string, fn: CancelListener, once: boolean): this {
    if (event === 'cancelled') (this.listeners ??= []).push({ fn, once });
    return this;
  }
}
