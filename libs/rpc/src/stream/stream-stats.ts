/** How a request frame ended, for the client's count of answered frames. */
export type FrameOutcome = 'ok' | 'error' | 'deadline' | 'failed';

/** Why a call went as a unary call although the client streams. */
export type UnaryReason = 'unimplemented' | 'large' | 'metadata';

/**
 * Counts of the internal streams of this process, read by the `switchboard_rpc_stream_*` metrics
 * at scrape time (stream-metrics.ts). Plain numbers, so that a frame costs an increment rather than
 * a prom-client label lookup.
 */
export class StreamStats {
  /** Streams this process has open as a client / serves. */
  clientStreams = 0;
  serverStreams = 0;
  /** Streams the server accepted from this process as a client, since start. */
  clientStreamsOpened = 0;
  /** Request frames written (resends included). */
  framesSent = 0;
  /** Client: frames (calls) settled, by outcome. */
  readonly answered: Record<FrameOutcome, number> = { ok: 0, error: 0, deadline: 0, failed: 0 };
  /** Client: frames sent again after their stream ended without answering them. */
  framesResent = 0;
  /** Client: streams that ended without answering any frame (each one delays the next opening). */
  clientStreamsFailed = 0;
  /** Client: frames held back for a while (a resend's back-off, or no stream may be opened yet). */
  framesHeld = 0;
  /** Client: calls sent as unary calls, by reason. */
  readonly unary: Record<UnaryReason, number> = { unimplemented: 0, large: 0, metadata: 0 };
  /** Server: request frames answered OK / with an error status (the handler's or the frame's own). */
  servedOk = 0;
  servedError = 0;
}

/** The process's stream counts: one value per process, as the process metrics are. */
export const streamStats = new StreamStats();
