// The raw-database references of the messaging benchmark: plain mysql2 on one connection writing
// the rows a send writes (libs/storage append-messages.ts, seq-allocation.ts and
// append-read-state.ts), 256 messages per transaction. A 1:1 send: both users' inbox counters and
// the conversation's counter bumped and read back under lock, the message, its two inbox entries,
// its dedupe record, and both parties' conversation state (the sender's read cursor moved). A
// small-group send (write fan-out): every member's inbox counter and the group conversation's
// counter, the message, one inbox entry per member (the sender's too), its dedupe record, and the
// sender's read cursor moved on its existing member row. No ORM, no RPC, no pushes: what the
// database itself sustains for the same rows, the bar of issue 9.
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { directConversationId, type Storage } from '@switchboard/storage';
import { mysqlServerPid, processCpuSeconds } from '../fanout/proc-stats.js';
import { BENCH_APP_ID, type PlannedSend } from '../send/workload.js';

export interface RawReferenceResult {
  messages: number;
  transactions: number;
  seconds: number;
  perSecond: number;
  /** Per transaction, ms. */
  p50Ms: number;
  p99Ms: number;
  /** CPU of this (client) process over the run, in cores. */
  clientCpu: number;
  /**
   * CPU of the MySQL server's process over the same writes, in cores, where it runs on this machine
   * (undefined: no `mariadbd`/`mysqld` visible). All of its work: run against an otherwise idle server.
   */
  serverCpu: number | undefined;
}

/** The MySQL server's CPU per message written, in ms (undefined where its process was not visible). */
export function serverMsPerMessage(r: RawReferenceResult): number | undefined {
  return r.serverCpu === undefined ? undefined : (r.serverCpu * 1000) / r.perSecond;
}

/** Something read around a reference's writes alone (not its database's set-up): InnoDB's activity. */
export interface ReferenceWatch {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One message as the references store it: its conversation and the users given an inbox entry. */
interface RawMessage {
  conversationId: string;
  senderUserId: string;
  targetId: string;
  clientMsgId: string;
  /** In the order their seqs are taken (as `AppendInput.inboxUserIds`). */
  inboxUserIds: readonly string[];
}

/** A message of the batch with the seqs the transaction gave it. */
interface Planned {
  m: RawMessage;
  conversationSeq: number;
  /** Aligned with `m.inboxUserIds`. */
  inboxSeqs: number[];
}

/** Adds `n` to `counts[key]`. */
const bump = (counts: Map<string, number>, key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);
const sortedKeys = (m: Map<string, unknown>) => [...m.keys()].sort();

/** Reads counters back (under the upsert's lock): the batch's seqs are the last `count` up to max. */
function firstSeqs(rows: RowDataPacket[], key: string, counts: Map<string, number>): Map<string, number> {
  const next = new Map<string, number>();
  for (const row of rows) next.set(row[key] as string, Number(row['max_seq']) - counts.get(row[key])! + 1);
  return next;
}

function take(next: Map<string, number>, key: string): number {
  const seq = next.get(key)!;
  next.set(key, seq + 1);
  return seq;
}

/**
 * The statements every send writes, inside the caller's transaction: the users' and the
 * conversations' counters bumped by an upsert and read back FOR UPDATE (users first, each in sorted
 * order: the storage's lock order), the messages, their inbox entries and dedupe records. Resolves
 * with each message's seqs, for the caller's conversation-state statement.
 */
async function writeMessages(
  conn: Connection,
  type: 'user' | 'group',
  messages: readonly RawMessage[],
  content: Buffer,
  now: number,
): Promise<Planned[]> {
  const users = new Map<string, number>();
  const conversations = new Map<string, number>();
  for (const m of messages) {
    for (const userId of m.inboxUserIds) bump(users, userId);
    bump(conversations, m.conversationId);
  }
  const userIds = sortedKeys(users);
  const conversationIds = sortedKeys(conversations);
  await conn.query(
    'INSERT INTO user_seqs (app_id, user_id, max_seq, created_at) VALUES ? ' +
      'ON DUPLICATE KEY UPDATE max_seq = max_seq + VALUES(max_seq)',
    [userIds.map((id) => [BENCH_APP_ID, id, users.get(id), now])],
  );
  const [userRows] = await conn.query<RowDataPacket[]>(
    'SELECT user_id, max_seq FROM user_seqs WHERE app_id = ? AND user_id IN (?) FOR UPDATE',
    [BENCH_APP_ID, userIds],
  );
  await conn.query(
    'INSERT INTO conversations (app_id, conversation_type, conversation_id, max_seq, created_at) VALUES ? ' +
      'ON DUPLICATE KEY UPDATE max_seq = max_seq + VALUES(max_seq)',
    [conversationIds.map((id) => [BENCH_APP_ID, type, id, conversations.get(id), now])],
  );
  const [conversationRows] = await conn.query<RowDataPacket[]>(
    'SELECT conversation_id, max_seq FROM conversations WHERE app_id = ? AND conversation_type = ? ' +
      'AND conversation_id IN (?) FOR UPDATE',
    [BENCH_APP_ID, type, conversationIds],
  );
  const userSeq = firstSeqs(userRows, 'user_id', users);
  const conversationSeq = firstSeqs(conversationRows, 'conversation_id', conversations);
  const planned: Planned[] = messages.map((m) => ({
    m,
    conversationSeq: take(conversationSeq, m.conversationId),
    inboxSeqs: m.inboxUserIds.map((userId) => take(userSeq, userId)),
  }));
  const [inserted] = await conn.query<{ insertId: number } & RowDataPacket[]>(
    'INSERT INTO messages (app_id, conversation_type, conversation_id, conversation_seq, sender_user_id, ' +
      'sender_device_id, target_id, client_msg_id, content_type, content, sent_at) VALUES ?',
    [
      planned.map((p) => [
        BENCH_APP_ID,
        type,
        p.m.conversationId,
        p.conversationSeq,
        p.m.senderUserId,
        'd1',
        p.m.targetId,
        p.m.clientMsgId,
        'text',
        content,
        now,
      ]),
    ],
  );
  // innodb_autoinc_lock_mode 0 or 1 (checked before the run): one INSERT's ids are consecutive.
  const id = (i: number) => inserted.insertId + i;
  await conn.query('INSERT INTO inbox (app_id, user_id, seq, message_id) VALUES ?', [
    planned.flatMap((p, i) =>
      p.m.inboxUserIds.map((userId, k) => [BENCH_APP_ID, userId, p.inboxSeqs[k], id(i)]),
    ),
  ]);
  await conn.query(
    'INSERT INTO send_dedupe (app_id, sender_user_id, client_msg_id, message_id, conversation_seq, sent_at) VALUES ?',
    [planned.map((p, i) => [BENCH_APP_ID, p.m.senderUserId, p.m.clientMsgId, id(i), p.conversationSeq, now])],
  );
  return planned;
}

/** Runs `body` in one transaction on `conn`. */
async function inTransaction(conn: Connection, body: () => Promise<void>): Promise<void> {
  await conn.query('BEGIN');
  try {
    await body();
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Writes one batch of 1:1 sends in one transaction, as the group-commit path stores them. */
export async function writeDirectBatch(conn: Connection, sends: readonly PlannedSend[], content: Buffer) {
  const now = Date.now();
  const messages = sends.map<RawMessage>((s) => ({
    conversationId: directConversationId(s.senderUserId, s.recipientUserId),
    senderUserId: s.senderUserId,
    targetId: s.recipientUserId,
    clientMsgId: s.clientMsgId,
    inboxUserIds: [s.senderUserId, s.recipientUserId],
  }));
  await inTransaction(conn, async () => {
    const planned = await writeMessages(conn, 'user', messages, content, now);
    // Both parties' rows (created when missing), the sender's read cursor moved, never back.
    const state = new Map<string, [string, string, number]>();
    for (const p of planned) {
      const [sender, recipient] = p.m.inboxUserIds as [string, string];
      const mine = state.get(`${sender}\n${p.m.conversationId}`);
      state.set(`${sender}\n${p.m.conversationId}`, [
        sender,
        p.m.conversationId,
        Math.max(mine?.[2] ?? 0, p.conversationSeq),
      ]);
      if (!state.has(`${recipient}\n${p.m.conversationId}`))
        state.set(`${recipient}\n${p.m.conversationId}`, [recipient, p.m.conversationId, 0]);
    }
    await conn.query(
      'INSERT INTO conversation_members (app_id, user_id, conversation_type, conversation_id, role, joined_at, ' +
        'join_seq, read_seq) VALUES ? ON DUPLICATE KEY UPDATE read_seq = GREATEST(read_seq, VALUES(read_seq))',
      [
        sortedKeys(state).map((k) => [
          BENCH_APP_ID,
          state.get(k)![0],
          'user',
          state.get(k)![1],
          '',
          now,
          0,
          state.get(k)![2],
        ]),
      ],
    );
  });
}

/** One send to a small group, before it is written: the group's members all get an inbox entry. */
export interface PlannedGroupSend {
  groupId: string;
  senderUserId: string;
  clientMsgId: string;
  /** Every member, the sender included (as logic lists them: by user id). */
  memberUserIds: readonly string[];
}

/**
 * Writes one batch of small-group sends in one transaction, as the group-commit path stores them:
 * the rows of {@link writeMessages} with an inbox entry per member, then one UPDATE moving each
 * sender's read cursor on its member row (it only updates, as storage does: a removed member gets
 * no row back).
 */
export async function writeGroupBatch(conn: Connection, sends: readonly PlannedGroupSend[], content: Buffer) {
  const now = Date.now();
  const messages = sends.map<RawMessage>((s) => ({
    conversationId: s.groupId,
    senderUserId: s.senderUserId,
    targetId: s.groupId,
    clientMsgId: s.clientMsgId,
    inboxUserIds: s.memberUserIds,
  }));
  await inTransaction(conn, async () => {
    const planned = await writeMessages(conn, 'group', messages, content, now);
    const highest = new Map<string, [string, string, number]>();
    for (const p of planned) {
      const key = `${p.m.senderUserId}\n${p.m.conversationId}`;
      const seen = highest.get(key);
      if (!seen || seen[2] < p.conversationSeq)
        highest.set(key, [p.m.senderUserId, p.m.conversationId, p.conversationSeq]);
    }
    const rows = sortedKeys(highest).map((k) => highest.get(k)!);
    await conn.query(
      `UPDATE conversation_members SET read_seq = CASE ${rows
        .map(() => 'WHEN user_id = ? AND conversation_id = ? THEN GREATEST(read_seq, ?)')
        .join(' ')} ELSE read_seq END ` +
        "WHERE app_id = ? AND conversation_type = 'group' AND (user_id, conversation_id) IN (?)",
      [...rows.flat(), BENCH_APP_ID, rows.map(([userId, groupId]) => [userId, groupId])],
    );
  });
}

/**
 * Small groups among a population of users: group `g` is `g<g>` with the `members` consecutive
 * users from `g × members`. Send `n` goes to group `n mod groups` from its members in turn, as the
 * benchmark's group load sends (member `n mod members`).
 */
export class GroupWorkload {
  constructor(
    readonly groups: number,
    readonly members: number,
    private readonly userId: (index: number) => string,
    private readonly runId: string,
  ) {}

  groupId(g: number): string {
    return `g${g}`;
  }

  /** A group's members, sorted by user id (the order logic lists them in). */
  memberIds(g: number): string[] {
    return Array.from({ length: this.members }, (_, j) => this.userId(g * this.members + j)).sort();
  }

  /**
   * Creates every group as the business API's `create_group` does (storage's `groups.create`: the
   * group row and a member row each, the first member the owner) and resolves with their members.
   */
  async create(storage: Storage, at = Date.now()): Promise<string[][]> {
    const memberIds = Array.from({ length: this.groups }, (_, g) => this.memberIds(g));
    for (let g = 0; g < this.groups; g++) {
      const [owner, ...others] = memberIds[g]!;
      await storage.groups.create({
        appId: BENCH_APP_ID,
        groupId: this.groupId(g),
        name: this.groupId(g),
        ownerUserId: owner!,
        extra: '',
        memberUserIds: others,
        large: false,
        at,
      });
    }
    return memberIds;
  }

  /** The n-th send; `clientMsgId` is unique per run. */
  plan(n: number, memberIds: readonly (readonly string[])[]): PlannedGroupSend {
    const g = n % this.groups;
    const members = memberIds[g]!;
    return {
      groupId: this.groupId(g),
      senderUserId: members[Math.floor(n / this.groups) % members.length]!,
      clientMsgId: `${this.runId}-${n}`,
      memberUserIds: members,
    };
  }
}

/**
 * Writes `batch`-message transactions back to back on one connection for `durationMs`;
 * `write(conn, first, count)` writes messages `first`..`first + count - 1` in one transaction.
 */
export async function runRawReference(
  uri: string,
  durationMs: number,
  batch: number,
  write: (conn: Connection, first: number, count: number) => Promise<void>,
  onProgress: (line: string) => void,
  watch?: ReferenceWatch,
): Promise<RawReferenceResult> {
  const conn = await createConnection(uri);
  try {
    const [[mode]] = await conn.query<RowDataPacket[]>('SELECT @@innodb_autoinc_lock_mode AS m');
    if (Number(mode!['m']) === 2)
      throw new Error('innodb_autoinc_lock_mode=2: the reference assumes consecutive ids per INSERT');
    const took: number[] = [];
    let n = 0;
    const serverPid = mysqlServerPid();
    await watch?.start();
    // Read with the clock, after the watch's own queries: the server's CPU over the writes alone.
    const serverCpu0 = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let lastLog = t0;
    while (performance.now() - t0 < durationMs) {
      const s = performance.now();
      await write(conn, n, batch);
      n += batch;
      const e = performance.now();
      took.push(e - s);
      if (e - lastLog > 2000) {
        lastLog = e;
        onProgress(`${n} messages, ${Math.round((n * 1000) / (e - t0))}/s`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const serverCpu1 = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
    await watch?.stop();
    took.sort((a, b) => a - b);
    const q = (p: number) => took[Math.min(took.length - 1, Math.ceil(p * took.length) - 1)] ?? 0;
    return {
      messages: n,
      transactions: took.length,
      seconds,
      perSecond: n / seconds,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
      serverCpu:
        serverCpu0 === undefined || serverCpu1 === undefined
          ? undefined
          : (serverCpu1 - serverCpu0) / seconds,
    };
  } finally {
    await conn.end();
  }
}
