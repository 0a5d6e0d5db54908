import type {
  AckRequest,
  AckResponse,
  ConversationsRequest,
  ConversationsResponse,
  DisconnectRequest,
  HistoryRequest,
  HistoryResponse,
  ReadRequest,
  SendRequest,
  SendResponse,
  SignInRequest,
  SignInResponse,
  SubscribeRoomRequest,
  SyncGroupRequest,
  SyncGroupResponse,
  SyncRequest,
  SyncResponse,
} from '@switchboard/proto/logic';
import type {
  JoinRoomRequest,
  LeaveRoomRequest,
  RebindGateRequest,
  RebindGateResponse,
  RemoveGateRequest,
  RenewLeaseRequest,
  RenewLeaseResponse,
  UnbindRequest,
} from '@switchboard/proto/route';

/**
 * What the gate needs from logic. Every method rejects with an `RpcError` whose `code` is a client
 * ErrorCode (the gate puts code and message in the client's response unchanged); any other
 * rejection is treated as INTERNAL.
 */
export interface LogicPort {
  signIn(request: SignInRequest): Promise<SignInResponse>;
  send(request: SendRequest): Promise<SendResponse>;
  sync(request: SyncRequest): Promise<SyncResponse>;
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse>;
  history(request: HistoryRequest): Promise<HistoryResponse>;
  conversations(request: ConversationsRequest): Promise<ConversationsResponse>;
  ack(request: AckRequest): Promise<AckResponse>;
  read(request: ReadRequest): Promise<unknown>;
  subscribeRoom(request: SubscribeRoomRequest): Promise<unknown>;
  disconnect(request: DisconnectRequest): Promise<unknown>;
}

/**
 * What the gate needs from route: route as a gate sees it (logic sees it as `LogicRoutePort`). Same
 * error contract as {@link LogicPort}.
 */
export interface GateRoutePort {
  /** Removes a device's binding if it still carries the epoch. */
  unbind(request: UnbindRequest): Promise<unknown>;
  /** Registers or renews this gate's lease. */
  renewLease(request: RenewLeaseRequest): Promise<RenewLeaseResponse>;
  /** Binds again the sessions and rooms this gate holds after route lost its registration. */
  rebindGate(request: RebindGateRequest): Promise<RebindGateResponse>;
  /** Drops this gate and every binding on it (last step of a drain). */
  removeGate(request: RemoveGateRequest): Promise<unknown>;
  /** The gate got its first subscriber of a room. */
  joinRoom(request: JoinRoomRequest): Promise<unknown>;
  /** The gate lost its last subscriber of a room. */
  leaveRoom(request: LeaveRoomRequest): Promise<unknown>;
}
