import type { LogicServiceServer } from '@switchboard/proto/logic';
import type { RouteServiceServer } from '@switchboard/proto/route';
import type { InProcessChannel } from '@switchboard/rpc';
import type { GateRoutePort, LogicPort } from './ports.js';

// No request is copied on the way: every Buffer in them (SEND content, the Packet bytes) was decoded
// from the client's frame into an allocation of its own (ts-proto's `Buffer.from`), and the gate
// never writes to it afterwards, so logic may keep it as a gRPC-decoded copy would be kept.

/**
 * {@link LogicPort} for a logic served in this process (the embedded suite): the same handlers,
 * requests, responses and error codes as over gRPC, each call with a `timeoutMs` deadline.
 */
export function inProcessLogicPort(
  logic: InProcessChannel<LogicServiceServer>,
  timeoutMs: number,
): LogicPort {
  return {
    signIn: (r) => logic.invoke('signIn', r, timeoutMs),
    send: (r) => logic.invoke('send', r, timeoutMs),
    sync: (r) => logic.invoke('sync', r, timeoutMs),
    syncGroup: (r) => logic.invoke('syncGroup', r, timeoutMs),
    history: (r) => logic.invoke('history', r, timeoutMs),
    conversations: (r) => logic.invoke('conversations', r, timeoutMs),
    ack: (r) => logic.invoke('ack', r, timeoutMs),
    read: (r) => logic.invoke('read', r, timeoutMs),
    subscribeRoom: (r) => logic.invoke('subscribeRoom', r, timeoutMs),
    disconnect: (r) => logic.invoke('disconnect', r, timeoutMs),
  };
}

/** {@link GateRoutePort} for a route served in this process; see {@link inProcessLogicPort}. */
export function inProcessGateRoutePort(
  route: InProcessChannel<RouteServiceServer>,
  timeoutMs: number,
): GateRoutePort {
  return {
    unbind: (r) => route.invoke('unbind', r, timeoutMs),
    renewLease: (r) => route.invoke('renewLease', r, timeoutMs),
    rebindGate: (r) => route.invoke('rebindGate', r, timeoutMs),
    removeGate: (r) => route.invoke('removeGate', r, timeoutMs),
    joinRoom: (r) => route.invoke('joinRoom', r, timeoutMs),
    leaveRoom: (r) => route.invoke('leaveRoom', r, timeoutMs),
  };
}
