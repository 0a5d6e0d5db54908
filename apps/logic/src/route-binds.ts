import { Metadata } from '@grpc/grpc-js';
import type { BindOutcome, BindRequest, RouteServiceClient } from '@switchboard/proto/route';
import { callBy, INTERNAL_LIMITS, TickGatherer, type BatchItemResult } from '@switchboard/rpc';

/**
 * BindMany calls in flight at once; binds that find them all taken go together when one ends.
 * Logic's sign-ins already arrive in SignInBatch calls and its storage steps run per tick, so a
 * tick's binds are many: a few calls at once carry them without queueing behind one slow call.
 */
const BIND_CALLS_IN_FLIGHT = 4;

/** What a bind is answered with (logic uses the epoch only). */
export interface Bound {
  epoch: number;
}

/**
 * The binds of a tick's sign-ins as one BindMany call to route ({@link TickGatherer}, as the gates
 * send SIGN_INs and SENDs), each sign-in answered with its own epoch or error, exactly as its own
 * Bind call would be (a failing bind fails only its sign-in). Batching stays inside the gRPC
 * adapter: an in-process route port binds one by one for free. A route that does not know
 * BindMany yet (a rolling upgrade) gets single Bind calls, and BindMany again a minute later.
 *
 * @param onBatch told the binds of each BindMany call (the binds-per-call histogram).
 */
export function bindGatherer(
  client: RouteServiceClient,
  timeoutMs: number,
  onBatch?: (binds: number) => void,
): TickGatherer<BindRequest, Bound> {
  return new TickGatherer<BindRequest, Bound>({
    batch: (binds, deadline) =>
      callBy(client, client.bindMany, { binds }, new Metadata(), deadline).then((res) =>
        res.outcomes.map(toItemResult),
      ),
    single: (bind, deadline) =>
      callBy(client, client.bind, bind, new Metadata(), deadline).then((res) => ({ epoch: res.epoch })),
    sizeOf: bindBytes,
    timeoutMs,
    maxItems: INTERNAL_LIMITS.bindsPerCall,
    maxInFlight: BIND_CALLS_IN_FLIGHT,
    onBatch,
  });
}

function toItemResult(o: BindOutcome): BatchItemResult<Bound> {
  return o.code === 0 && o.bound ? { response: { epoch: o.bound.epoch } } : { error: o };
}

/** About what a bind adds to a BindMany request: its ids, plus framing. */
function bindBytes(b: BindRequest): number {
  return b.appId.length + b.userId.length + b.deviceId.length + b.gateId.length + b.gateBootId.length + 40;
}
