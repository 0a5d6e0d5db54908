import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, memoryDestination } from '@switchboard/log';
import {
  ConversationType,
  ErrorCode,
  HistoryRequest,
  PacketType,
  SendRequest,
  SignInRequest,
  SubscribeRoomRequest,
  type Packet,
} from '@switchboard/proto/client';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken } from '@switchboard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './clients.js';
import { embeddedTestConfig } from './embedded-config.js';

/**
 * Random client input against the whole embedded suite: packets of every type with random payloads,
 * and well-formed requests whose strings are random (lone surrogates, control characters, very long
 * ids). Whatever a client sends, the answer is a catalog code other than INTERNAL (or a close), and
 * nothing is logged at error level or with a stack trace.
 */
describe('client protocol under random input', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
  const logs = memoryDestination();
  let suite: Suite;
  let secret = '';

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir, {
      gate: { rateLimit: { packetsPerSecond: 100_000, burst: 100_000 } },
    });
    suite = await startSuite(config, createLogger({ level: 'info', service: 'fuzz', destination: logs }));
    secret = (await suite.storage.apps.get('demo'))!.tokenSecret;
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends one packet on a signed-in connection; resolves with the answer's code, or 'closed'. */
  async function answerTo(packet: Packet): Promise<number | 'closed' | 'silent'> {
    const client = await connect(suite.tcpUrl);
    try {
      await client.signIn({ token: await testToken('demo', 'fuzzer', secret), deviceId: 'fz' });
      const answered = client.request(packet.type, packet.data).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
      const closed = client.closed.then(() => 'closed' as const);
      const silent = new Promise<'silent'>((r) => setTimeout(() => r('silent'), 3_000).unref());
      return await Promise.race([answered, closed, silent]);
    } finally {
      client.close();
    }
  }

  const text = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom('', '\u0000', '\ud800', '\udfff', 'a'.repeat(65), 'a'.repeat(200), 'é'.repeat(64)),
  );
  const structured = fc.oneof(
    fc
      .record({
        to: text,
        id: text,
        type: fc.integer({ min: -1, max: 5 }),
        body: fc.uint8Array({ maxLength: 64 }),
      })
      .map((r): Packet => ({
        type: PacketType.PACKET_TYPE_SEND,
        requestId: 0,
        code: 0,
        message: '',
        data: Buffer.from(
          SendRequest.encode({
            clientMsgId: r.id,
            conversation: { type: r.type as ConversationType, id: r.to },
            contentType: r.id,
            content: Buffer.from(r.body),
          }).finish(),
        ),
      })),
    fc.record({ peer: text, before: fc.nat(), limit: fc.nat() }).map((r): Packet => ({
      type: PacketType.PACKET_TYPE_HISTORY,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(
        HistoryRequest.encode({
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: r.peer },
          beforeSeq: r.before,
          limit: r.limit,
        }).finish(),
      ),
    })),
    text.map((roomId): Packet => ({
      type: PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(SubscribeRoomRequest.encode({ roomId }).finish()),
    })),
    fc.record({ token: text, device: text, tags: fc.array(text, { maxLength: 40 }) }).map((r): Packet => ({
      type: PacketType.PACKET_TYPE_SIGN_IN,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(
        SignInRequest.encode({
          appId: '',
          userId: '',
          deviceId: r.device,
          token: r.token,
          platform: '',
          tags: r.tags,
        }).finish(),
      ),
    })),
  );
  const raw = fc
    .record({ type: fc.integer({ min: 0, max: 20 }), data: fc.uint8Array({ maxLength: 256 }) })
    .map((r): Packet => ({
      type: r.type as PacketType,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(r.data),
    }));

  it('never answers INTERNAL and never logs an error or a stack', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(structured, raw), async (packet) => {
        const code = await answerTo(packet);
        expect(code).not.toBe(ErrorCode.ERROR_CODE_INTERNAL);
        // Every request is answered (or the connection closed with a reason): none is left hanging.
        expect(code).not.toBe('silent');
      }),
      { numRuns: 300 },
    );
    const bad = logs.lines.filter((l) => Number(l['level']) >= 50 || JSON.stringify(l).includes('    at '));
    expect(bad).toEqual([]);
  }, 120_000);
});
