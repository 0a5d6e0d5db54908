// Load generator of the room and large-group fan-out benchmark (large.ts): holds a share of the
// connections, raw `ws` clients of the baseline server or Switchboard clients signed in (and
// subscribed to a room), and counts each round of pushes with the fan-out benchmark's counter:
// every connection must get every message of the round once. Switchboard pushes are decoded in
// full (SwitchboardClient); the payload, with its sequence number and send stamp in its last 12
// bytes (../fanout/payload.ts), is the Message's content. Started once by large.ts and told to
// connect, count rounds and drop its connections for each server in turn.
import { withTimeout } from '@switchboard/client/node';
import type { Message } from '@switchboard/proto/client';
import { connectClient } from '../fanout/load-clients.js';
import { tailSeq, tailStamp } from '../fanout/payload.js';
import { Round } from '../fanout/round-counter.js';
import {
  PAYLOAD_CONTENT_TYPE,
  type ConnectSpec,
  type MemberLoadCommand,
  type MemberLoadReport,
} from './ipc.js';
import { signInMember } from './members.js';

const SIGN_IN_TIMEOUT_MS = 30_000;
const report = (m: MemberLoadReport) => process.send!(m);
let clients: Array<{ close(): void; closed(): boolean }> = [];
let round: Round | undefined;
let roundTimer: NodeJS.Timeout | undefined;
let syncHints = 0;

function finishRound(): void {
  const r = round;
  if (!r) return;
  round = undefined;
  clearTimeout(roundTimer);
  report(r.report());
}

async function openOne(spec: ConnectSpec, index: number, slot: { index: number }) {
  const url = spec.urls[index % spec.urls.length]!;
  if (spec.kind === 'ws') {
    const c = await connectClient('ws', url, `u${index}`, (data) =>
      round?.record(slot.index, tailSeq(data), tailStamp(data), () => true),
    );
    let closed = false;
    return { close: () => ((closed = true), c.close()), closed: () => closed };
  }
  const client = await withTimeout(
    signInMember(url, spec.appId, spec.secret, `u${index}`),
    SIGN_IN_TIMEOUT_MS,
    () => new Error(`u${index}: not signed in after ${SIGN_IN_TIMEOUT_MS} ms`),
  );
  client.onPush((m: Message) => {
    client.pushes.length = 0;
    if (m.contentType !== PAYLOAD_CONTENT_TYPE) return;
    const content = Buffer.from(m.content.buffer, m.content.byteOffset, m.content.byteLength);
    // A group's messages are ordered by conversation_seq (a burst's concurrent sends get theirs in
    // any order); nothing orders concurrent sends to a room, so their order is not judged.
    round?.record(
      slot.index,
      tailSeq(content),
      tailStamp(content),
      () => content.length >= 12,
      m.conversationSeq > 0 ? m.conversationSeq : null,
    );
  });
  client.onSyncHint(() => syncHints++);
  if (spec.room) await client.subscribeRoom(spec.room);
  let closed = false;
  void client.closed.then(() => (closed = true));
  return { close: () => client.close(), closed: () => closed };
}

async function connect(spec: ConnectSpec): Promise<void> {
  let [next, failed] = [0, 0];
  const progress = setInterval(() => report({ t: 'progress', connected: clients.length, failed }), 1000);
  const worker = async () => {
    while (next < spec.count) {
      const index = spec.offset + next++;
      try {
        // Slots are numbered by successful connections, so a round's per-client arrays stay dense.
        const slot = { index: -1 };
        const client = await openOne(spec, index, slot);
        slot.index = clients.length;
        clients.push(client);
      } catch (err) {
        if (++failed <= 3) console.error(`[member-load] u${index}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  clearInterval(progress);
  report({ t: 'connected', connected: clients.length, failed });
}

process.on('message', (command: MemberLoadCommand) => {
  switch (command.t) {
    case 'connect':
      syncHints = 0;
      void connect(command.spec);
      return;
    case 'expect':
      round = new Round(clients.length, command.messages, finishRound);
      roundTimer = setTimeout(finishRound, command.timeoutMs);
      report({ t: 'armed' });
      return;
    case 'drop': {
      const closedEarly = clients.filter((c) => c.closed()).length;
      for (const c of clients) c.close();
      clients = [];
      report({ t: 'dropped', syncHints, closedEarly });
      return;
    }
    case 'stop':
      for (const c of clients) c.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
