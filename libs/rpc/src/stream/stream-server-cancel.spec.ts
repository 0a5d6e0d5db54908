import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { GateServiceService, KickRequest, type KickResponse } from '@switchboard/proto/conn';
import { afterEach, describe, expect, it } from 'vitest';
import { startGrpcServer, type StartedServer } from '../server.js';
import { encodeRequest } from './frame-codec.js';
import { openRawExchange, type RawExchange } from './stream-test-support.js';

const SECRET = 'stream-cancel-spec-internal-secret-0123456789';
const KICK = Buffer.from(GateServiceService.kick.path);

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

type Call = ServerUnaryCall<KickRequest, KickResponse>;

/** The kick handler's calls by connId, each answered when the spec says. */
interface Held {
  call: Call;
  answer: () => void;
  cancelledEvents: number;
}

const servers: StartedServer[] = [];
const raws: RawExchange[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.client.close();
  await Promise.all(servers.splice(0).map((s) => s.stop(100)));
});

async function holdingServer(): Promise<{ port: number; held: Map<number, Held> }> {
  const held = new Map<number, Held>();
  const kick = (call: Call, cb: sendUnaryData<KickResponse>) => {
    const h: Held = { call, answer: () => cb(null, { kicked: true }), cancelledEvents: 0 };
    call.on('cancelled', () => h.cancelledEvents++);
    held.set(call.request.connId, h);
  };
  const s = await startGrpcServer(
    '127.0.0.1',
    0,
    [{ definition: GateServiceService, implementation: { kick } }],
    { secret: SECRET },
  );
  servers.push(s);
  return { port: s.port, held };
}

function kickFrame(id: number, deadline: number): Buffer {
  const payload = Buffer.from(KickRequest.encode(KickRequest.fromPartial({ connId: id })).finish());
  return encodeRequest(id, KICK, payload, deadline);
}

describe('a frame handler on the stream server', () => {
  it('is cancelled when its deadline passes, as a grpc-js call is, and its late answer is dropped', async () => {
    const { port, held } = await holdingServer();
    const raw = openRawExchange(port, SECRET);
    raws.push(raw);
    raw.stream.write(kickFrame(1, Date.now() + 100));
    raw.stream.write(kickFrame(2, Date.now() + 60_000));
    await until(() => held.has(1) && held.has(2));
    expect(held.get(1)!.call.cancelled).toBe(false);
    await until(() => held.get(1)!.call.cancelled);
    expect(held.get(1)!.cancelledEvents).toBe(1);
    expect(held.get(2)!.call.cancelled).toBe(false);
    // The answer grpc-js sends when a unary call's deadline passes.
    await until(() => raw.replies.length === 1);
    expect(raw.replies[0]).toMatchObject({ id: 1, status: status.DEADLINE_EXCEEDED });
    // Answered late, then frame 2: only frame 2's answer follows.
    held.get(1)!.answer();
    held.get(2)!.answer();
    // A late answer of frame 1 would have been written before frame 2's.
    await until(() => raw.replies.some((r) => r.id === 2));
    expect(raw.replies.map((r) => [r.id, r.status])).toEqual([
      [1, status.DEADLINE_EXCEEDED],
      [2, 0],
    ]);
  });

  it('is cancelled when its stream ends', async () => {
    const { port, held } = await holdingServer();
    const raw = openRawExchange(port, SECRET);
    raws.push(raw);
    raw.stream.write(kickFrame(3, Date.now() + 60_000));
    await until(() => held.has(3));
    raw.stream.cancel();
    await until(() => held.get(3)!.call.cancelled);
    expect(held.get(3)!.cancelledEvents).toBe(1);
  });
});
