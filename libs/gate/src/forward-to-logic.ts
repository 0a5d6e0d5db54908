import { ErrorCode, type Packet } from '@switchboard/proto/client';
import type { Session } from '@switchboard/proto/logic';
import { errorPacket, responsePacket } from '@switchboard/protocol';
import type { Connection } from './connection.js';
import { errorOf } from './error-of.js';
import type { LogicPort } from './ports.js';
import { BUSY, replyError } from './request-errors.js';
import type { RequestHandler } from './request-handler.js';
import type { SessionHost } from './session-host.js';

/** One logic RPC for a decoded request, resolving to the encoded response payload. */
export type LogicCall<Req> = (logic: LogicPort, session: Session, request: Req) => Promise<Uint8Array>;

/** How admission control treats a forwarded request. */
export const Admit = {
  /** Any request: refused while too many are in flight. */
  Request: 0,
  /** A send: also refused while logic is saturated (see Admission.admitSend). */
  Send: 1,
} as const;
export type Admit = (typeof Admit)[keyof typeof Admit];

/**
 * The handler of a request that is forwarded to logic with the connection's Session and answered
 * with the same request id. Made once per packet type when the dispatch table is built.
 */
export function forwardingTo<Req>(call: LogicCall<Req>, admit: Admit = Admit.Request): RequestHandler<Req> {
  return (host, conn, packet, request) => forwardToLogic(host, conn, packet, request, call, admit);
}

function forwardToLogic<Req>(
  host: SessionHost,
  conn: Connection,
  packet: Packet,
  request: Req,
  call: LogicCall<Req>,
  admit: Admit,
): void {
  const isSend = admit === Admit.Send;
  if (!(isSend ? host.admission.admitSend() : host.admission.admit())) {
    host.reply(conn, errorPacket(packet, ErrorCode.ERROR_CODE_RATE_LIMITED, BUSY));
    return;
  }
  call(host.logic, host.sessionOf(conn), request).then(
    (data) => {
      host.admission.release();
      if (isSend) host.admission.sendAnswered('ok');
      if (!conn.closed) host.reply(conn, responsePacket(packet, data));
    },
    (err: unknown) => {
      host.admission.release();
      if (isSend)
        host.admission.sendAnswered(
          errorOf(err).code === ErrorCode.ERROR_CODE_RATE_LIMITED ? 'busy' : 'failed',
        );
      replyError(host, conn, packet, err);
    },
  );
}
