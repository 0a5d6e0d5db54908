// What makes a step of the messaging benchmark "clean", and which rate is the best clean one: the
// pure part of run.ts, covered by harness.spec.ts.
import type { PhaseResult, PushCheck } from '../overload/ipc.js';
import type { SmallPhaseResult } from '../groups/ipc.js';

/** Why a 1:1 step is not clean (empty: it is): p99 ack over the limit, or a send or push missed. */
export function directFaults(r: PhaseResult, check: PushCheck | undefined, p99LimitMs: number): string[] {
  const faults: string[] = [];
  if (r.acked < r.sent) faults.push(`${r.sent - r.acked} of ${r.sent} not acked`);
  if (!(r.p99Ms < p99LimitMs)) faults.push(`p99 ${r.p99Ms.toFixed(0)} ms`);
  if (!check) faults.push('not checked');
  else if (check.pushed < check.checked) faults.push(`${check.checked - check.pushed} not pushed`);
  return faults;
}

/** Why a group step is not clean: as for 1:1, every member but the sender pushed every acked message. */
export function groupFaults(r: SmallPhaseResult, p99LimitMs: number): string[] {
  const faults: string[] = [];
  if (r.acked < r.sent) faults.push(`${r.sent - r.acked} of ${r.sent} not acked`);
  if (!(r.ackP99Ms < p99LimitMs)) faults.push(`p99 ${r.ackP99Ms.toFixed(0)} ms`);
  if (r.deliveries < r.expectedDeliveries)
    faults.push(`${r.expectedDeliveries - r.deliveries} deliveries missing`);
  return faults;
}

/** Past saturation: a step that acked less than 90% of what it offered ends the stepping. */
export function saturated(acked: number, sent: number): boolean {
  return acked < 0.9 * sent;
}

/**
 * The best clean step: the highest offered rate among clean steps, reported by what it acked per
 * second (what the issue compares with the raw reference); undefined when no step was clean.
 */
export function bestClean<T>(
  steps: readonly T[],
  offered: (step: T) => number,
  clean: (step: T) => boolean,
): T | undefined {
  let best: T | undefined;
  for (const step of steps) if (clean(step) && (!best || offered(step) > offered(best))) best = step;
  return best;
}

/**
 * Starts a phase and tells when its measured part ends: `ended` resolves when the phase calls
 * `sent` (the group load's sends are answered; its settle and check follow and are not the step's
 * work) or else when the phase itself settles; `result` is the phase's own promise.
 */
export function untilSent<R>(run: (sent: () => void) => Promise<R>): {
  ended: Promise<unknown>;
  result: Promise<R>;
} {
  let sent!: () => void;
  const sending = new Promise<void>((resolve) => (sent = resolve));
  const result = run(sent);
  return { ended: Promise.race([sending, result]), result };
}
