import type { LoadPhases, LoadResult } from './closed-loop.js';
import type { PlannedSend } from './workload.js';

/** What the parent asks the gRPC load generator to do. */
export interface GrpcLoadRequest {
  address: string;
  /** The internal secret logic requires (`sb-internal-auth`). */
  internalSecret: string;
  appId: string;
  users: number;
  runId: string;
  concurrency: number;
  phases: LoadPhases;
  /** Only sends touching these users are reported back, to keep the message small. */
  sampleUserIds: string[];
}

/** A send the logic service answered, as the client saw it (gRPC returns the sender's seq only). */
export interface AckedSend {
  send: PlannedSend;
  messageId: number;
  seq: number;
}

/** Messages from the load generator to the parent. */
export type GrpcLoadMessage =
  | { kind: 'progress'; started: number; elapsedMs: number }
  | {
      kind: 'done';
      load: Omit<LoadResult, 'firstError'> & { firstError?: string };
      /** The generator's own CPU over the measured phase, in cores. */
      cpu: number;
      acked: AckedSend[];
      failed: PlannedSend[];
    };
