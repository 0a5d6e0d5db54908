// Microbenchmark of the hot-path protobuf encoding (issue 9): the generated code as ts-proto and
// grpc-js call it (a fresh BinaryWriter per message, finish(), Buffer.from, BigInts for 64-bit
// fields) against what the services use (@switchboard/proto/codec: one reused writer, output in
// Node's buffer pool, 64-bit integers written from numbers; logic's MESSAGE push written from the
// domain message); and the strict check of a client's packet before decoding it
// (@bufbuild/protobuf's reader against protocol's wire-walk.ts). Same bytes on both sides, checked
// before timing. Timings move with the machine's load: compare the two columns of one run.
// Run: npx tsx bench/codec.bench.ts   (about 15 s; results in docs/benchmarks.md)
import { cpus } from 'node:os';
import * as generatedConn from '../libs/proto/src/gen/switchboard/conn/v1/gate.js';
import { ConversationType, Message, Packet, PacketType, SendRequest } from '@switchboard/proto/client';
import { GateServiceService, type DeliverRequest } from '@switchboard/proto/conn';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { encodePacket } from '@switchboard/protocol';
import { walkFields } from '../libs/protocol/src/wire-walk.js';
import type { ConversationMessage } from '@switchboard/storage';
import { messagePush, toClientMessage } from '../apps/logic/src/client-message.js';
import { nsPerOp } from './shared/ns-per-op.js';

const WARMUP_MS = 300;
const MEASURE_MS = 1500;
const TIMING = { warmupMs: WARMUP_MS, measureMs: MEASURE_MS, callsPerCheck: 1000 };

const stored: ConversationMessage = {
  messageId: 48_213_337,
  conversation: { type: 'user', id: 'u1234' },
  conversationSeq: 1_812,
  senderUserId: 'u987',
  senderDeviceId: 'phone-1',
  clientMsgId: 'c-0f3a9b2e-77',
  contentType: 'text/plain',
  content: Buffer.alloc(100, 0x61),
  sentAt: 1_764_000_000_000,
};
const SEQ = 20_511;

function generatedPush(): Buffer {
  const data = Message.encode(toClientMessage(stored, SEQ)).finish();
  const packet = Packet.encode({
    type: PacketType.PACKET_TYPE_MESSAGE,
    requestId: 0,
    code: 0,
    message: '',
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  }).finish();
  return Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
}

const response = Packet.create({
  type: PacketType.PACKET_TYPE_SEND,
  requestId: 1_234_567,
  data: Buffer.alloc(24, 1),
});

/** A Deliver of 32 1:1 pushes, each to one device, as route sends a gate. */
const deliver: DeliverRequest = {
  appId: 'app-1',
  bootId: 'boot-0123456789abcdef',
  deliveries: Array.from({ length: 32 }, (_, i) => ({
    packet: messagePush(stored, SEQ + i),
    targets: [
      { connId: 100_000 + i, epoch: 1_764_000_000_123 + i, userId: `u${i}`, deviceId: 'phone-1', seq: 0 },
    ],
    message: Buffer.alloc(0),
  })),
};
const generated = generatedConn.GateServiceService.deliver;
const fast = GateServiceService.deliver;
const deliverBytes = generated.requestSerialize(deliver);

/** A client's SEND as a gate reads it: the packet, then its request, each checked strictly. */
const sendRequest = SendRequest.encode({
  clientMsgId: 'c-0f3a9b2e-77',
  conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'u1234' },
  contentType: 'text/plain',
  content: Buffer.alloc(100, 0x61),
}).finish();
const sendPacket = encodePacket(
  Packet.create({ type: PacketType.PACKET_TYPE_SEND, requestId: 12_345, data: Buffer.from(sendRequest) }),
);
/** The strict check before wire-walk.ts: @bufbuild/protobuf's reader, a tag array and a view per field. */
function readerWalk(bytes: Uint8Array): number {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
  }
  return reader.pos;
}

const cases: Array<{
  name: string;
  before: () => Buffer | unknown;
  after: () => Buffer | unknown;
  same: boolean;
}> = [
  {
    name: 'MESSAGE push (logic, per receiver)',
    before: generatedPush,
    after: () => messagePush(stored, SEQ),
    same: generatedPush().equals(messagePush(stored, SEQ)),
  },
  {
    name: 'response Packet (gate, per request)',
    before: () => Packet.encode(response).finish(),
    after: () => encodePacket(response),
    same: Buffer.from(Packet.encode(response).finish()).equals(encodePacket(response)),
  },
  {
    name: 'Deliver of 32 pushes, serialize (route)',
    before: () => generated.requestSerialize(deliver),
    after: () => fast.requestSerialize(deliver),
    same: fast.requestSerialize(deliver).equals(deliverBytes),
  },
  {
    name: 'strict check of a SEND packet and its request (gate, per packet)',
    before: () => readerWalk(sendPacket) + readerWalk(sendRequest),
    after: () => {
      walkFields(sendPacket);
      walkFields(sendRequest);
    },
    same: true,
  },
];

console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}; ${MEASURE_MS} ms per case\n`);
console.log('| case | generated (ns/op) | hot path (ns/op) | hot path / generated | same result |');
console.log('| --- | ---: | ---: | ---: | --- |');
for (const c of cases) {
  if (!c.same) throw new Error(`${c.name}: the two sides differ`);
  const before = nsPerOp(c.before, TIMING);
  const after = nsPerOp(c.after, TIMING);
  console.log(
    `| ${c.name} | ${before.toFixed(0)} | ${after.toFixed(0)} | ${(after / before).toFixed(2)}x | yes |`,
  );
}
