import { LogicServiceService } from '@switchboard/proto/logic';
import { RouteServiceService } from '@switchboard/proto/route';

/**
 * LogicService methods a gate may send again on another logic instance. All of them are safe:
 * Send and SendBatch are idempotent on client_msg_id, SignIn and SignInBatch bind the same connections again (a new
 * epoch, the same place), Sync/SyncGroup/History only read, Ack and Read only move a cursor forward,
 * SubscribeRoom checks a room id, Disconnect only logs.
 */
export const RETRYABLE_LOGIC_METHODS = [
  LogicServiceService.signIn,
  LogicServiceService.signInBatch,
  LogicServiceService.send,
  LogicServiceService.sendBatch,
  LogicServiceService.sync,
  LogicServiceService.syncGroup,
  LogicServiceService.history,
  LogicServiceService.ack,
  LogicServiceService.read,
  LogicServiceService.subscribeRoom,
  LogicServiceService.disconnect,
] as const;

/**
 * RouteService methods that may be sent again on another route instance: each sets or removes
 * state to a given value (Unbind is guarded by the epoch, RenewLease and Join/LeaveRoom are set
 * operations, KickDevice finds nothing the second time, SetUserTags replaces the server-granted tags
 * with the same set again, SetUsersRoom puts the same connections in the same room again) or only reads (GetPresence, GetCounts, ListGates). Not retried: Bind (a retry
 * after a lost answer would report the device's own new binding as the previous one, so the older
 * connection would not be kicked) and the DeliverTo* calls (a repeated push reaches clients twice;
 * the caller decides whether to push again).
 */
export const RETRYABLE_ROUTE_METHODS = [
  RouteServiceService.unbind,
  RouteServiceService.renewLease,
  RouteServiceService.removeGate,
  RouteServiceService.joinRoom,
  RouteServiceService.leaveRoom,
  RouteServiceService.getPresence,
  RouteServiceService.getCounts,
  RouteServiceService.kickDevice,
  RouteServiceService.setUserTags,
  RouteServiceService.setUsersRoom,
  RouteServiceService.listGates,
] as const;
