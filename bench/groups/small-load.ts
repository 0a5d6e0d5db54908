// Load generator of the small-group benchmark: opens the members of one group or several disjoint
// ones (GroupLayout; all online, spread over the gates), then runs open-loop phases in which the
// groups take turns, and each group's members, sending at a fixed offered rate, whatever the answers. Every push a member receives is recorded by the send it
// belongs to (client_msg_id), with its conversation_seq, so that after each phase it can check that
// every member other than the sender got every acknowledged message exactly once, with the
// conversation_seq the sender was answered. Started by run.ts.
import type { SwitchboardClient } from '@switchboard/client/node';
import { ConversationType, ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { cpuMicros } from '../fanout/proc-stats.js';
import { percentile } from '../overload/stats.js';
import { GroupLayout } from './group-layout.js';
import type {
  SmallLoadCommand,
  SmallLoadOptions,
  SmallLoadReport,
  SmallPhaseResult,
  SmallPhaseSpec,
} from './ipc.js';
import { RelayMember, signInMember } from './members.js';

const options = JSON.parse(process.argv[2]!) as SmallLoadOptions;
const report = (m: SmallLoadReport) => process.send!(m);
const now = () => performance.now();
const TICK_MS = 5;
const GROUP = ConversationType.CONVERSATION_TYPE_GROUP;
const body = Buffer.alloc(options.bodyBytes, 'x');
const layout = new GroupLayout(options.groups ?? 1, options.members, options.groupId);
if (options.kind !== 'switchboard' && layout.groups > 1) throw new Error('the relay has one group');

/** One member as the phases use it, whichever server it talks to. */
interface Member {
  /** Sends message `n` to the group; resolves with its conversation_seq. */
  send(n: number): Promise<number>;
  readonly closed: boolean;
  close(): void;
}

/** Per member: send number -> conversation_seq of each push received. */
const received: Array<Map<number, number>> = [];
const lastConversationSeq: number[] = [];
const lastInboxSeq: number[] = [];
const members: Member[] = [];
let syncHints = 0;

// Per send number (from 1): who sent it, when, the conversation_seq answered (0: none), arrivals.
const MAX_SENDS = 1 << 20;
const senderOf = new Int32Array(MAX_SENDS);
const startMs = new Float64Array(MAX_SENDS);
const ackedSeq = new Float64Array(MAX_SENDS);
const arrivals = new Int32Array(MAX_SENDS);
const lastArrivalMs = new Float64Array(MAX_SENDS);
/** Push latencies (ms) of the current phase's sends, and its counters that pushes feed. */
let phaseLatencies: number[] = [];
let phaseFirstSend = 0;
let duplicated = 0;
let echoed = 0;
let outOfConversationOrder = 0;
let outOfInboxOrder = 0;
let nextSend = 1;

function deliver(member: number, n: number, conversationSeq: number, inboxSeq: number): void {
  const t = now();
  if (n <= 0 || n >= nextSend) return;
  if (senderOf[n] === member) {
    echoed++;
    return;
  }
  const mine = received[member]!;
  if (mine.has(n)) {
    duplicated++;
    return;
  }
  mine.set(n, conversationSeq);
  if (conversationSeq <= lastConversationSeq[member]!) outOfConversationOrder++;
  if (inboxSeq !== 0 && inboxSeq <= lastInboxSeq[member]!) outOfInboxOrder++;
  lastConversationSeq[member] = Math.max(lastConversationSeq[member]!, conversationSeq);
  lastInboxSeq[member] = Math.max(lastInboxSeq[member]!, inboxSeq);
  arrivals[n]!++;
  lastArrivalMs[n] = Math.max(lastArrivalMs[n]!, t);
  if (n >= phaseFirstSend) phaseLatencies.push(t - startMs[n]!);
}

async function openSwitchboard(i: number): Promise<Member> {
  const groupId = layout.groupId(layout.groupOf(i));
  const client: SwitchboardClient = await signInMember(
    options.urls[i % options.urls.length]!,
    options.appId,
    options.secret,
    `m${i}`,
  );
  client.onPush((m) => {
    client.pushes.length = 0;
    if (m.conversation?.type !== GROUP || m.conversation.id !== groupId) return;
    if (!m.clientMsgId.startsWith('b')) return;
    deliver(i, Number(m.clientMsgId.slice(1)), m.conversationSeq, m.seq);
  });
  client.onSyncHint(() => syncHints++);
  let closed = false;
  void client.closed.then(() => (closed = true));
  return {
    send: async (n) =>
      (
        await client.send({
          clientMsgId: `b${n}`,
          conversation: { type: GROUP, id: groupId },
          contentType: 'text',
          content: body,
        })
      ).conversationSeq,
    get closed() {
      return closed;
    },
    close: () => client.close(),
  };
}

async function openRelay(i: number): Promise<Member> {
  const member = await RelayMember.connect(options.urls[0]!, (n, seq) => deliver(i, n, seq, 0));
  return {
    send: async (n) => {
      const seq = await member.send(n, body);
      if (seq === 0) throw new Error('connection closed');
      return seq;
    },
    get closed() {
      return member.closed;
    },
    close: () => member.close(),
  };
}

async function connectAll(): Promise<void> {
  const t0 = now();
  let failed = 0;
  const connections = layout.connections;
  for (let i = 0; i < connections; i++) {
    received.push(new Map());
    lastConversationSeq.push(0);
    lastInboxSeq.push(0);
  }
  const open = options.kind === 'switchboard' ? openSwitchboard : openRelay;
  // Twenty at a time: a hundred members sign in within seconds.
  for (let i = 0; i < connections; i += 20) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(20, connections - i) }, (_, k) => open(i + k)),
    );
    for (const [k, r] of batch.entries()) {
      if (r.status === 'fulfilled') members[i + k] = r.value;
      else if (++failed <= 3) report({ t: 'progress', line: `member ${i + k} failed: ${String(r.reason)}` });
    }
  }
  report({ t: 'connected', connected: members.filter(Boolean).length, failed, ms: now() - t0 });
}

function codeName(err: unknown): string {
  if (err instanceof SwitchboardError)
    return (ErrorCode[err.code] ?? `CODE_${err.code}`).replace(/^ERROR_CODE_/, '');
  return 'CLOSED';
}

async function runPhase(spec: SmallPhaseSpec): Promise<void> {
  const first = nextSend;
  phaseFirstSend = first;
  phaseLatencies = [];
  [duplicated, echoed, outOfConversationOrder, outOfInboxOrder, syncHints] = [0, 0, 0, 0, 0];
  const errors: Record<string, number> = {};
  const ackLatencies: number[] = [];
  let [sent, acked, timedOut, outstanding, lastAnswer] = [0, 0, 0, 0, 0];
  /** 0 waiting, 1 answered, 2 given up. */
  const state = new Uint8Array(MAX_SENDS);
  const cpu0 = cpuMicros();
  const t0 = now();

  const send = (t: number) => {
    const n = nextSend++;
    const from = layout.senderOf(n);
    const member = members[from];
    senderOf[n] = from;
    startMs[n] = t;
    sent++;
    if (!member || member.closed) {
      errors['CLOSED'] = (errors['CLOSED'] ?? 0) + 1;
      state[n - first] = 1;
      return;
    }
    outstanding++;
    member.send(n).then(
      (seq) => {
        const at = now();
        ackedSeq[n] = seq;
        if (state[n - first] === 2) return;
        state[n - first] = 1;
        outstanding--;
        acked++;
        lastAnswer = at;
        ackLatencies.push(at - startMs[n]!);
      },
      (err: unknown) => {
        if (state[n - first] === 2) return;
        state[n - first] = 1;
        outstanding--;
        lastAnswer = now();
        const name = codeName(err);
        errors[name] = (errors[name] ?? 0) + 1;
      },
    );
  };

  await new Promise<void>((resolve) => {
    let expireFrom = first;
    const timer = setInterval(() => {
      const t = now();
      const due = Math.floor((spec.rate * Math.min(t - t0, spec.durationMs)) / 1000);
      while (sent < due) send(t);
      // Give up on sends past the timeout (oldest first).
      while (expireFrom < nextSend && t - startMs[expireFrom]! >= spec.timeoutMs) {
        if (state[expireFrom - first] === 0) {
          state[expireFrom - first] = 2;
          outstanding--;
          timedOut++;
          lastAnswer = t;
        }
        expireFrom++;
      }
      if (t - t0 >= spec.durationMs && outstanding === 0) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const elapsedMs = Math.max(spec.durationMs, lastAnswer - t0);
  const cpu = (cpuMicros() - cpu0) / 1000 / (now() - t0);
  report({ t: 'sent' });
  await new Promise((r) => setTimeout(r, spec.settleMs));

  // The check: every acknowledged message at every member but its sender, once, with its seq.
  let [lost, mismatched, unacked, deliveries, lastPush] = [0, 0, 0, 0, 0];
  const all: number[] = [];
  const others = options.members - 1;
  for (let n = first; n < nextSend; n++) {
    const seq = ackedSeq[n]!;
    lastPush = Math.max(lastPush, lastArrivalMs[n]!);
    if (seq === 0) {
      if (arrivals[n]! > 0) unacked++;
      continue;
    }
    deliveries += arrivals[n]!;
    if (arrivals[n] === others) all.push(lastArrivalMs[n]! - startMs[n]!);
    const firstMember = layout.groupOf(senderOf[n]!) * options.members;
    for (let m = firstMember; m < firstMember + options.members; m++) {
      if (m === senderOf[n]) continue;
      const got = received[m]!.get(n);
      if (got === undefined) lost++;
      else if (got !== seq) mismatched++;
    }
  }
  ackLatencies.sort((a, b) => a - b);
  phaseLatencies.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  const result: SmallPhaseResult = {
    label: spec.label,
    rate: spec.rate,
    elapsedMs,
    sent,
    acked,
    errors,
    timedOut,
    ackP50Ms: percentile(ackLatencies, 0.5),
    ackP99Ms: percentile(ackLatencies, 0.99),
    deliveries,
    expectedDeliveries: acked * others,
    deliveriesPerSec: deliveries > 0 ? deliveries / ((lastPush - t0) / 1000) : 0,
    pushP50Ms: percentile(phaseLatencies, 0.5),
    pushP99Ms: percentile(phaseLatencies, 0.99),
    allP50Ms: percentile(all, 0.5),
    allP99Ms: percentile(all, 0.99),
    lost,
    duplicated,
    mismatched,
    echoed,
    outOfConversationOrder,
    outOfInboxOrder,
    unacked,
    syncHints,
    disconnected: members.filter((m) => !m || m.closed).length,
    loadCpu: cpu,
  };
  report({ t: 'phase', result });
}

process.on('message', (cmd: SmallLoadCommand) => {
  if (cmd.t === 'phase') void runPhase(cmd.spec);
  else {
    for (const m of members) m?.close();
    setTimeout(() => process.exit(0), 200);
  }
});
process.on('disconnect', () => process.exit(0));

await connectAll();
