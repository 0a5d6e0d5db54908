import { ErrorCode, PacketType } from '@switchboard/proto/client';
import type { RebindResult } from '@switchboard/proto/route';
import type { Connection } from './connection.js';
import { errorOf } from './error-of.js';
import type { GateCore } from './gate-core.js';

/** Sessions (and rooms) per RebindGate call: bounded requests, and route gets a breath in between. */
const BATCH = 500;

/**
 * Binds again, at route, every session this gate holds and re-joins its rooms, after route lost the
 * gate's registration. Clients keep their connections: each one re-bound gets a SYNC_HINT push (it may
 * have missed pushes while route did not know it), and one whose device signed in on another
 * connection meanwhile is closed with SIGNED_IN_ELSEWHERE. Rejects when route fails; the lease keeper
 * then tries again at its next renewal.
 */
export async function rebindSessions(core: GateCore): Promise<void> {
  const conns: Connection[] = [];
  for (const conn of core.registry.all()) if (conn.signedIn) conns.push(conn);
  const rooms = [...core.rooms.joined()];
  if (conns.length === 0 && rooms.length === 0) return;
  let rebound = 0;
  let superseded = 0;
  for (let i = 0; i < Math.max(conns.length, rooms.length); i += BATCH) {
    const batch = conns.slice(i, i + BATCH);
    const res = await core.route.rebindGate({
      gateId: core.gateId,
      bootId: core.bootId,
      sessions: batch.map((c) => ({
        appId: c.appId,
        userId: c.userId,
        deviceId: c.deviceId,
        connId: c.id,
        platform: c.platform,
      })),
      rooms: rooms.slice(i, i + BATCH),
    });
    batch.forEach((conn, j) => {
      const outcome = apply(core, conn, res.results[j]);
      if (outcome === 'rebound') rebound++;
      else if (outcome === 'superseded') superseded++;
    });
  }
  core.counters.rebinds += rebound;
  core.logger.info({ rebound, superseded, rooms: rooms.length }, 'sessions bound again at route');
}

function apply(
  core: GateCore,
  conn: Connection,
  result: RebindResult | undefined,
): 'rebound' | 'superseded' | 'gone' {
  if (result === undefined) return 'gone';
  if (!conn.signedIn) {
    // It closed while the call was out; its unbind carried the old epoch, so undo the new binding.
    if (result.epoch > 0) {
      core.route
        .unbind({ appId: conn.appId, userId: conn.userId, deviceId: conn.deviceId, epoch: result.epoch })
        .catch((err: unknown) =>
          core.warnRepeated('route Unbind failed', { conn: conn.id, err: errorOf(err).message }),
        );
    }
    return 'gone';
  }
  if (result.superseded) {
    core.closeWith(
      conn,
      ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE,
      'signed in on another connection',
      PacketType.PACKET_TYPE_KICKED,
    );
    return 'superseded';
  }
  conn.epoch = result.epoch;
  core.hintSync(conn);
  return 'rebound';
}
