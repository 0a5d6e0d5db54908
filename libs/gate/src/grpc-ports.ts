import { Metadata } from '@grpc/grpc-js';
import type {
  LogicServiceClient,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
} from '@switchboard/proto/logic';
import type { RouteServiceClient } from '@switchboard/proto/route';
import { call, callBy, TickGatherer } from '@switchboard/rpc';
import { sendBytes, signInBytes } from './logic-batch-sizes.js';
import type { GateRoutePort, LogicPort } from './ports.js';

/**
 * SignInBatch calls a gate keeps in flight; sign-ins that find them all taken go together when one
 * ends. A storm's sign-ins reach a gate with CPU to spare about one a tick, so gathering per tick
 * alone put 1–7 in a call (bench/signin on a loaded box); with 16 calls in flight, 13–15. Few
 * slots make sign-ins wait a whole call for one (with 4, a starved logic ran some past their
 * deadline); logic batches storage per tick across calls anyway.
 */
const SIGN_IN_CALLS_IN_FLIGHT = 16;

/** Told the size of each batch call {@link grpcLogicPort} makes. */
export interface LogicBatchObservers {
  /** Sends per SendBatch call. */
  onSendBatch?: (sends: number) => void;
  /** Sign-ins per SignInBatch call. */
  onSignInBatch?: (signIns: number) => void;
}

/**
 * {@link LogicPort} over a grpc-js LogicService client; each call has a `timeoutMs` deadline. The
 * sends of one tick go as one SendBatch call and the sign-ins as one SignInBatch call (see
 * {@link TickGatherer}), each answered on its own; a logic that does not know those methods yet
 * gets the unary calls.
 */
export function grpcLogicPort(
  client: LogicServiceClient,
  timeoutMs: number,
  observers: LogicBatchObservers = {},
): LogicPort {
  const md = () => new Metadata();
  const sends = new TickGatherer<SendRequest, SendResponse>({
    batch: (items, deadline) =>
      callBy(client, client.sendBatch, { sends: items }, md(), deadline).then((r) => r.results),
    single: (item, deadline) => callBy(client, client.send, item, md(), deadline),
    sizeOf: sendBytes,
    timeoutMs,
    onBatch: observers.onSendBatch,
  });
  const signIns = new TickGatherer<SignInRequest, SignInResponse>({
    batch: (items, deadline) =>
      callBy(client, client.signInBatch, { signIns: items }, md(), deadline).then((r) => r.results),
    single: (item, deadline) => callBy(client, client.signIn, item, md(), deadline),
    sizeOf: signInBytes,
    timeoutMs,
    maxInFlight: SIGN_IN_CALLS_IN_FLIGHT,
    onBatch: observers.onSignInBatch,
  });
  return {
    signIn: (r) => signIns.call(r),
    send: (r) => sends.call(r),
    sync: (r) => call(client, client.sync, r, md(), timeoutMs),
    syncGroup: (r) => call(client, client.syncGroup, r, md(), timeoutMs),
    history: (r) => call(client, client.history, r, md(), timeoutMs),
    conversations: (r) => call(client, client.conversations, r, md(), timeoutMs),
    ack: (r) => call(client, client.ack, r, md(), timeoutMs),
    read: (r) => call(client, client.read, r, md(), timeoutMs),
    subscribeRoom: (r) => call(client, client.subscribeRoom, r, md(), timeoutMs),
    disconnect: (r) => call(client, client.disconnect, r, md(), timeoutMs),
  };
}

/** {@link GateRoutePort} over a grpc-js RouteService client; each call has a `timeoutMs` deadline. */
export function grpcGateRoutePort(client: RouteServiceClient, timeoutMs: number): GateRoutePort {
  const md = () => new Metadata();
  return {
    unbind: (r) => call(client, client.unbind, r, md(), timeoutMs),
    renewLease: (r) => call(client, client.renewLease, r, md(), timeoutMs),
    rebindGate: (r) => call(client, client.rebindGate, r, md(), timeoutMs),
    removeGate: (r) => call(client, client.removeGate, r, md(), timeoutMs),
    joinRoom: (r) => call(client, client.joinRoom, r, md(), timeoutMs),
    leaveRoom: (r) => call(client, client.leaveRoom, r, md(), timeoutMs),
  };
}
