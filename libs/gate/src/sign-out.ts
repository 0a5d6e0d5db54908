import { ErrorCode } from '@switchboard/proto/client';
import type { UnbindRequest } from '@switchboard/proto/route';
import type { Connection } from './connection.js';
import { errorOf, logDetailOf } from './error-of.js';
import type { SessionHost } from './session-host.js';

/** Retries of an Unbind that found route unreachable: after 0.5, 1, 2 and 4 s. */
const UNBIND_RETRIES = 4;
const UNBIND_RETRY_BASE_MS = 500;

/** A signed-in connection is gone: unbind at route (unless `unbind` is false, when draining) and tell logic. */
export function signOut(host: SessionHost, conn: Connection, code: number, unbind: boolean): void {
  if (unbind) {
    unbindAtRoute(
      host,
      { appId: conn.appId, userId: conn.userId, deviceId: conn.deviceId, epoch: conn.epoch },
      conn.id,
    );
  }
  host.logic
    .disconnect({ session: host.sessionOf(conn), code })
    .catch((err: unknown) =>
      host.warnRepeated('logic Disconnect failed', { conn: conn.id, err: logDetailOf(err) }),
    );
}

/**
 * Unbinds a closed connection's device at route. A binding left behind would keep the device
 * "online" until its next sign-in or this gate's lease lapses, so an unreachable route is retried
 * a few times with back-off (a timer only while a retry is pending; the epoch makes a late unbind
 * harmless). Other failures are logged once.
 */
export function unbindAtRoute(host: SessionHost, request: UnbindRequest, connId: number, attempt = 0): void {
  host.route.unbind(request).catch((err: unknown) => {
    const e = errorOf(err);
    const transient = e.code === ErrorCode.ERROR_CODE_UNAVAILABLE || e.code === ErrorCode.ERROR_CODE_TIMEOUT;
    if (transient && attempt < UNBIND_RETRIES && !host.isDraining) {
      setTimeout(
        () => unbindAtRoute(host, request, connId, attempt + 1),
        UNBIND_RETRY_BASE_MS << attempt,
      ).unref();
      return;
    }
    host.warnRepeated('route Unbind failed', {
      conn: connId,
      err: logDetailOf(err),
      attempts: attempt + 1,
    });
  });
}
