import { Metadata } from '@grpc/grpc-js';
import type { LogicServiceClient } from '@switchboard/proto/logic';
import type { RouteServiceClient } from '@switchboard/proto/route';
import { call, callBy } from '@switchboard/rpc';
import type { GateRoutePort, LogicPort } from './ports.js';
import { SendGatherer } from './send-gatherer.js';

/**
 * {@link LogicPort} over a grpc-js LogicService client; each call has a `timeoutMs` deadline. The
 * sends of one tick go as one SendBatch call (see {@link SendGatherer}), each answered on its own;
 * `onSendBatch` is told the size of each such call.
 */
export function grpcLogicPort(
  client: LogicServiceClient,
  timeoutMs: number,
  onSendBatch?: (sends: number) => void,
): LogicPort {
  const md = () => new Metadata();
  const sends = new SendGatherer(
    (request, deadline) => callBy(client, client.sendBatch, request, md(), deadline),
    { timeoutMs, onBatch: onSendBatch },
  );
  return {
    signIn: (r) => call(client, client.signIn, r, md(), timeoutMs),
    send: (r) => sends.send(r),
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
