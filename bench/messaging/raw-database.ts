// The raw-database reference of the messaging benchmark: plain mysql2 on one connection writing
// the rows a 1:1 send writes (libs/storage append-messages.ts, seq-allocation.ts and
// append-read-state.ts), 256 messages per transaction: both users' inbox counters and the
// conversation's counter bumped and read back under lock, the message, its two inbox entries, its
// dedupe record, and both parties' conversation state (the sender's read cursor moved). No ORM, no
// RPC, no pushes: what the database itself sustains for the same rows, the bar of issue 9.
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { directConversationId } from '@switchboard/storage';
import { BENCH_APP_ID, type PlannedSend, type Workload } from '../send/workload.js';

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
}

/** Adds one to `counts[key]`. */
const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
const sortedKeys = (m: Map<string, unknown>) => [...m.keys()].sort();

/** Reads counters back (under the upsert's lock): the batch's seqs are the last `count` up to max. */
function firstSeqs(rows: RowDataPacket[], key: string, counts: Map<string, number>): Map<string, number> {
  const next = new Map<string, number>();
  for (const row of rows) next.set(row[key] as string, Number(row['max_seq']) - counts.get(row[key])! + 1);
  return next;
}

/** Writes one batch of 1:1 sends in one transaction, as the group-commit path stores them. */
export async function writeDirectBatch(conn: Connection, sends: readonly PlannedSend[], content: Buffer) {
  const now = Date.now();
  const users = new Map<string, number>();
  const conversations = new Map<string, number>();
  const keys = sends.map((s) => directConversationId(s.senderUserId, s.recipientUserId));
  sends.forEach((s, i) => {
    bump(users, s.senderUserId);
    bump(users, s.recipientUserId);
    bump(conversations, keys[i]!);
  });
  const userIds = sortedKeys(users);
  const conversationIds = sortedKeys(conversations);
  await conn.query('BEGIN');
  try {
    await conn.query(
      'INSERT INTO users (app_id, user_id, nickname, avatar, extra, max_seq, created_at, updated_at) VALUES ? ' +
        'ON DUPLICATE KEY UPDATE max_seq = max_seq + VALUES(max_seq)',
      [userIds.map((id) => [BENCH_APP_ID, id, '', '', '', users.get(id), now, now])],
    );
    const [userRows] = await conn.query<RowDataPacket[]>(
      'SELECT user_id, max_seq FROM users WHERE app_id = ? AND user_id IN (?) FOR UPDATE',
      [BENCH_APP_ID, userIds],
    );
    await conn.query(
      'INSERT INTO conversations (app_id, conversation_type, conversation_id, max_seq, created_at) VALUES ? ' +
        'ON DUPLICATE KEY UPDATE max_seq = max_seq + VALUES(max_seq)',
      [conversationIds.map((id) => [BENCH_APP_ID, 'user', id, conversations.get(id), now])],
    );
    const [conversationRows] = await conn.query<RowDataPacket[]>(
      "SELECT conversation_id, max_seq FROM conversations WHERE app_id = ? AND conversation_type = 'user' " +
        'AND conversation_id IN (?) FOR UPDATE',
      [BENCH_APP_ID, conversationIds],
    );
    const userSeq = firstSeqs(userRows, 'user_id', users);
    const conversationSeq = firstSeqs(conversationRows, 'conversation_id', conversations);
    const take = (next: Map<string, number>, key: string) => {
      const seq = next.get(key)!;
      next.set(key, seq + 1);
      return seq;
    };
    const planned = sends.map((s, i) => ({
      s,
      key: keys[i]!,
      conversationSeq: take(conversationSeq, keys[i]!),
      senderSeq: take(userSeq, s.senderUserId),
      recipientSeq: take(userSeq, s.recipientUserId),
    }));
    const [inserted] = await conn.query<{ insertId: number } & RowDataPacket[]>(
      'INSERT INTO messages (app_id, conversation_type, conversation_id, conversation_seq, sender_user_id, ' +
        'sender_device_id, target_id, client_msg_id, content_type, content, sent_at) VALUES ?',
      [
        planned.map((p) => [
          BENCH_APP_ID,
          'user',
          p.key,
          p.conversationSeq,
          p.s.senderUserId,
          'd1',
          p.s.recipientUserId,
          p.s.clientMsgId,
          'text',
          content,
          now,
        ]),
      ],
    );
    // innodb_autoinc_lock_mode 0 or 1 (checked before the run): one INSERT's ids are consecutive.
    const id = (i: number) => inserted.insertId + i;
    await conn.query('INSERT INTO inbox (app_id, user_id, seq, message_id) VALUES ?', [
      planned.flatMap((p, i) => [
        [BENCH_APP_ID, p.s.senderUserId, p.senderSeq, id(i)],
        [BENCH_APP_ID, p.s.recipientUserId, p.recipientSeq, id(i)],
      ]),
    ]);
    await conn.query(
      'INSERT INTO send_dedupe (app_id, sender_user_id, client_msg_id, message_id, conversation_seq, sent_at) VALUES ?',
      [
        planned.map((p, i) => [
          BENCH_APP_ID,
          p.s.senderUserId,
          p.s.clientMsgId,
          id(i),
          p.conversationSeq,
          now,
        ]),
      ],
    );
    const state = new Map<string, [string, string, number]>();
    for (const p of planned) {
      const mine = state.get(`${p.s.senderUserId}\n${p.key}`);
      state.set(`${p.s.senderUserId}\n${p.key}`, [
        p.s.senderUserId,
        p.key,
        Math.max(mine?.[2] ?? 0, p.conversationSeq),
      ]);
      if (!state.has(`${p.s.recipientUserId}\n${p.key}`))
        state.set(`${p.s.recipientUserId}\n${p.key}`, [p.s.recipientUserId, p.key, 0]);
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
    await conn.query('COMMIT');
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Writes `batch`-message transactions back to back on one connection for `durationMs`. */
export async function runRawReference(
  uri: string,
  workload: Workload,
  durationMs: number,
  batch: number,
  onProgress: (line: string) => void,
): Promise<RawReferenceResult> {
  const conn = await createConnection(uri);
  try {
    const [[mode]] = await conn.query<RowDataPacket[]>('SELECT @@innodb_autoinc_lock_mode AS m');
    if (Number(mode!['m']) === 2)
      throw new Error('innodb_autoinc_lock_mode=2: the reference assumes consecutive ids per INSERT');
    const took: number[] = [];
    let n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let lastLog = t0;
    while (performance.now() - t0 < durationMs) {
      const sends = Array.from({ length: batch }, () => workload.plan(n++));
      const s = performance.now();
      await writeDirectBatch(conn, sends, workload.content);
      const e = performance.now();
      took.push(e - s);
      if (e - lastLog > 2000) {
        lastLog = e;
        onProgress(`raw reference: ${n} messages, ${Math.round((n * 1000) / (e - t0))}/s`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
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
    };
  } finally {
    await conn.end();
  }
}
