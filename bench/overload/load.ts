// Load-generator process of the overload benchmark: signs in N users (one connection each), then
// runs open-loop phases of 1:1 sends to random other users at a fixed offered rate (sends go out on
// schedule whatever the answers), and records every send's outcome and every push and SYNC_HINT
// the users receive. Started by run.ts, pinned to its own core.
import type { SwitchboardClient } from '@switchboard/client/node';
import { ConversationType, ErrorCode, type Message } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { SignJWT } from 'jose';
import { openGateClient } from '../groups/members.js';
import { recipientOf } from '../send/workload.js';
import type { SlowWindow } from '../shared/stalls.js';
import type { LoadCommand, LoadOptions, LoadReport, PhaseResult, PhaseSpec, PushCheck } from './ipc.js';
import { percentile } from './stats.js';

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const report = (m: LoadReport) => process.send!(m);
const now = () => performance.now();
const TICK_MS = 5;
const HEARTBEAT_IDLE_MS = 30_000;

/** One send, from the write to its outcome. */
interface SendRecord {
  phase: number;
  to: number;
  startMs: number;
  /** 0 waiting, 1 answered (ok or error), 2 timed out (a later answer is still noted). */
  state: 0 | 1 | 2;
  /** Set once acknowledged, in time or late. */
  messageId: number;
  ackMs: number;
}

/** Deterministic choice of pairs (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const userId = (i: number) => `ov-${i}`;
const clients: SwitchboardClient[] = [];
const lastActive: number[] = [];
/** Receivers whose connection closed: their messages cannot be checked. */
const offline = new Set<number>();
/** Per receiver: message id -> arrival (ms) of each MESSAGE push from another user. */
const pushes: Array<Map<number, number>> = [];
/** Per receiver: arrival times of SYNC_HINT pushes. */
const hints: number[][] = [];
let syncHints = 0;
/** Second copies of a message at its recipient, and pushes below the recipient's last inbox seq. */
let doubled = 0;
let outOfOrder = 0;
const records: SendRecord[] = [];
const phases: Array<{ result: PhaseResult; latencies: number[] }> = [];
const body = Buffer.alloc(options.bodyBytes, 'x');

async function connectOne(i: number): Promise<void> {
  const client = await openGateClient(options.urls[i % options.urls.length]!);
  const token = await new SignJWT({ app_id: options.appId, device_id: 'd1' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId(i))
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(options.secret));
  await client.signIn({ token, deviceId: 'd1', platform: 'bench' }).catch((err: unknown) => {
    client.close();
    throw err;
  });
  const self = userId(i);
  const mine = new Map<number, number>();
  const myHints: number[] = [];
  let lastSeq = 0;
  client.onPush((m: Message) => {
    client.pushes.length = 0;
    // A 1:1 message may also be pushed to the sender's other devices; only the recipient's count.
    if (m.sender?.userId === self) return;
    if (mine.has(m.messageId)) doubled++;
    else mine.set(m.messageId, now());
    // Inbox seqs of one user only grow: a push below the last one came out of order.
    if (m.seq <= lastSeq) outOfOrder++;
    lastSeq = Math.max(lastSeq, m.seq);
  });
  client.onSyncHint(() => {
    syncHints++;
    myHints.push(now());
  });
  void client.closed.then(() => offline.add(i));
  clients[i] = client;
  pushes[i] = mine;
  hints[i] = myHints;
  lastActive[i] = now();
}

async function connectAll(): Promise<void> {
  const t0 = now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  const progress = setInterval(
    () => report({ t: 'progress', line: `${connected}/${options.users} signed in` }),
    2000,
  );
  const worker = async () => {
    while (next < options.users) {
      const i = next++;
      // A busy machine can time a sign-in out: two more tries before the user counts as failed.
      for (let attempt = 1; ; attempt++) {
        try {
          await connectOne(i);
          connected++;
          break;
        } catch (err) {
          if (attempt < 3) continue;
          failed++;
          offline.add(i);
          if (failed <= 3) report({ t: 'progress', line: `user ${i} failed to sign in: ${String(err)}` });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearInterval(progress);
  report({ t: 'connected', connected, failed, ms: now() - t0 });
}

const random = rng(options.seed);

function codeName(code: number): string {
  return (ErrorCode[code] ?? `CODE_${code}`).replace(/^ERROR_CODE_/, '');
}

/** Runs one open-loop phase and reports once every send of it has an outcome. */
async function runPhase(spec: PhaseSpec): Promise<void> {
  const index = phases.length;
  const result: PhaseResult = {
    label: spec.label,
    rate: spec.rate,
    durationMs: spec.durationMs,
    elapsedMs: spec.durationMs,
    sent: 0,
    acked: 0,
    rejected: {},
    timedOut: 0,
    lateAcks: 0,
    closed: 0,
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
    maxLagMs: 0,
    loadCpu: 0,
  };
  const latencies: number[] = [];
  phases.push({ result, latencies });
  const pending: SendRecord[] = [];
  let head = 0;
  let lastAnswer = 0;
  let outstanding = 0;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const users = clients.length;

  const send = (tNow: number) => {
    let from = Math.floor(random() * users);
    // Skip users that are gone; the next tick sends again.
    if (offline.has(from)) from = (from + 1) % users;
    const to = recipientOf(from, users, options.contacts ?? 0, random());
    const client = clients[from];
    if (!client || offline.has(from)) return;
    const rec: SendRecord = { phase: index, to, startMs: tNow, state: 0, messageId: 0, ackMs: 0 };
    records.push(rec);
    pending.push(rec);
    outstanding++;
    result.sent++;
    lastActive[from] = tNow;
    client
      .send({
        clientMsgId: `${index}-${result.sent}`,
        conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: userId(to) },
        contentType: 'text',
        content: body,
      })
      .then(
        (res) => {
          const t = now();
          lastAnswer = t;
          rec.messageId = res.messageId;
          rec.ackMs = t;
          if (rec.state === 2) {
            result.lateAcks++;
            return;
          }
          rec.state = 1;
          outstanding--;
          result.acked++;
          latencies.push(t - rec.startMs);
        },
        (err: unknown) => {
          if (rec.state === 2) return;
          rec.state = 1;
          outstanding--;
          lastAnswer = now();
          if (err instanceof SwitchboardError) {
            const name = codeName(err.code);
            result.rejected[name] = (result.rejected[name] ?? 0) + 1;
          } else {
            result.closed++;
          }
        },
      );
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const tNow = now();
      const elapsed = Math.min(tNow - t0, spec.durationMs);
      const due = Math.floor((spec.rate * elapsed) / 1000);
      if (due > result.sent)
        result.maxLagMs = Math.max(result.maxLagMs, ((due - result.sent) * 1000) / spec.rate);
      while (result.sent < due) send(tNow);
      // Give up on sends past the client timeout (the oldest are first in the queue).
      while (head < pending.length && tNow - pending[head]!.startMs >= spec.timeoutMs) {
        const rec = pending[head++]!;
        if (rec.state === 0) {
          rec.state = 2;
          outstanding--;
          result.timedOut++;
          lastAnswer = tNow;
        }
      }
      if (tNow - t0 >= spec.durationMs && outstanding === 0) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  result.elapsedMs = Math.max(spec.durationMs, lastAnswer - t0);
  const cpu = process.cpuUsage(cpu0);
  result.loadCpu = (cpu.user + cpu.system) / 1000 / (now() - t0);
  if (spec.slowMs !== undefined) result.slowWindows = slowWindows(index, t0, spec.slowMs);
  latencies.sort((a, b) => a - b);
  result.p50Ms = percentile(latencies, 0.5);
  result.p99Ms = percentile(latencies, 0.99);
  result.maxMs = latencies.at(-1) ?? 0;
  report({ t: 'phase', result });
}

/** The 100 ms windows of phase `index` (by when its sends were written) with one acked past `slowMs`. */
function slowWindows(index: number, t0: number, slowMs: number): SlowWindow[] {
  const windows = new Map<number, SlowWindow>();
  for (const r of records) {
    if (r.phase !== index || r.ackMs === 0) continue;
    const k = Math.floor((r.startMs - t0) / 100);
    let w = windows.get(k);
    if (!w) {
      w = { at: Math.round(performance.timeOrigin + t0) + k * 100, sends: 0, slow: 0, maxMs: 0 };
      windows.set(k, w);
    }
    const ms = r.ackMs - r.startMs;
    w.sends++;
    if (ms > slowMs) w.slow++;
    if (ms > w.maxMs) w.maxMs = ms;
  }
  return [...windows.values()].filter((w) => w.slow > 0).sort((a, b) => a.at - b.at);
}

/** Matches every acknowledged message against what its recipient received. */
function check(): void {
  const out: PushCheck[] = phases.map(({ result }) => ({
    label: result.label,
    checked: 0,
    pushed: 0,
    hinted: 0,
    missing: 0,
    skippedOffline: 0,
    pushP50Ms: 0,
    pushP99Ms: 0,
  }));
  const pushLatency: number[][] = phases.map(() => []);
  const acked = new Set<number>();
  for (const rec of records) {
    if (rec.ackMs === 0) continue;
    acked.add(rec.messageId);
    const c = out[rec.phase]!;
    if (offline.has(rec.to)) {
      c.skippedOffline++;
      continue;
    }
    c.checked++;
    const at = pushes[rec.to]!.get(rec.messageId);
    if (at !== undefined) {
      c.pushed++;
      pushLatency[rec.phase]!.push(at - rec.startMs);
    } else if (hints[rec.to]!.some((h) => h >= rec.ackMs)) {
      c.hinted++;
    } else {
      c.missing++;
    }
  }
  // Pushes of messages no sender saw acknowledged: stored although the sender gave up on them.
  let pushedUnacked = 0;
  for (const m of pushes) if (m) for (const id of m.keys()) if (!acked.has(id)) pushedUnacked++;
  for (let i = 0; i < out.length; i++) {
    const l = pushLatency[i]!.sort((a, b) => a - b);
    out[i]!.pushP50Ms = percentile(l, 0.5);
    out[i]!.pushP99Ms = percentile(l, 0.99);
  }
  report({
    t: 'check',
    phases: out,
    disconnected: offline.size,
    syncHints,
    pushedUnacked,
    doubled,
    outOfOrder,
  });
}

// Keep quiet connections alive past the gate's heartbeat timeout.
setInterval(() => {
  const t = now();
  for (let i = 0; i < clients.length; i++) {
    // Users still signing in leave holes in `clients`.
    if (!clients[i] || offline.has(i) || t - lastActive[i]! < HEARTBEAT_IDLE_MS) continue;
    lastActive[i] = t;
    clients[i]!.heartbeat().catch(() => undefined);
  }
}, 1000).unref();

process.on('message', (cmd: LoadCommand) => {
  if (cmd.t === 'phase') void runPhase(cmd.spec);
  else if (cmd.t === 'check') setTimeout(check, cmd.settleMs);
  else {
    for (const c of clients) c?.close();
    setTimeout(() => process.exit(0), 200);
  }
});

await connectAll();
