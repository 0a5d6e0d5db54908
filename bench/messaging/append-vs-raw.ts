// Storage's MySQL append against the raw-database reference at the same batch sizes: one
// transaction after another on one connection, 1:1 sends between random pairs of --users or, with
// --groups N, sends to N groups of --members in turn (the shapes of `run.ts`'s steps and its raw
// references). For each size, raw then ours, each on a fresh scratch database: messages/s,
// transaction p50/p99 and milliseconds per message. It separates what the append itself costs the
// database from what the running service adds around it (batch sizes set by the offered rate, two
// transactions in flight waiting on each other's counter rows, a database sharing its cores): the
// raw reference of `run.ts` writes 256-message transactions, which the services reach only when
// already far past a clean p99.
//   npx tsx bench/messaging/append-vs-raw.ts [--sizes 16,32,64,128,256] [--groups 0] [--members 20]
//     [--ms 4000] [--users 2000] [--mysql mysql://root@127.0.0.1:3306]
import { parseArgs } from 'node:util';
import { type AppendInput, DEFAULT_MYSQL_SERVER_URI, directAppendInput } from '@switchboard/storage';
import { createConnection, type Connection } from 'mysql2/promise';
import { int, ms, table } from '../fanout/report.js';
import { openBenchDatabase, type BenchDatabase } from '../send/bench-database.js';
import { BENCH_APP_ID, Workload } from '../send/workload.js';
import {
  GroupWorkload,
  runRawReference,
  serverMsPerMessage,
  writeDirectBatch,
  writeGroupBatch,
  type RawReferenceResult,
} from './raw-database.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '16,32,64,128,256' },
    groups: { type: 'string', default: '0' },
    members: { type: 'string', default: '20' },
    ms: { type: 'string', default: '4000' },
    users: { type: 'string', default: '2000' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
  },
});
const SIZES = args.sizes.split(',').map(Number);
const GROUPS = Number(args.groups);
const MEMBERS = Number(args.members);
const MS = Number(args.ms);
const USERS = Number(args.users);
if (GROUPS * MEMBERS > USERS) throw new Error('--groups x --members exceeds --users');

const log = (line: string) => console.log(`[append-vs-raw] ${line}`);
const live = new Set<BenchDatabase>();

/**
 * Raw and ours at one batch size, each on a database of its own holding the same users and groups,
 * timed by the raw reference's own loop (`runRawReference`: back-to-back transactions, p50/p99).
 */
async function side(kind: 'raw' | 'ours', size: number): Promise<RawReferenceResult> {
  const runId = `${kind}${size}-${Date.now()}`;
  const workload = new Workload(USERS, runId);
  const db = await openBenchDatabase(args.mysql, 1, workload, live);
  try {
    const groups =
      GROUPS > 0 ? new GroupWorkload(GROUPS, MEMBERS, (i) => workload.userId(i), runId) : undefined;
    const memberIds = groups ? await groups.create(db.storage) : [];
    const write = async (conn: Connection, first: number, count: number): Promise<void> => {
      if (groups) {
        const sends = Array.from({ length: count }, (_, i) => groups.plan(first + i, memberIds));
        if (kind === 'raw') return writeGroupBatch(conn, sends, workload.content);
        await db.storage.messages.append(
          sends.map<AppendInput>((s) => ({
            appId: BENCH_APP_ID,
            conversation: { type: 'group', key: s.groupId },
            senderUserId: s.senderUserId,
            senderDeviceId: 'd1',
            targetId: s.groupId,
            clientMsgId: s.clientMsgId,
            contentType: 'text',
            content: workload.content,
            sentAt: Date.now(),
            inboxUserIds: [...s.memberUserIds],
          })),
        );
        return;
      }
      const sends = Array.from({ length: count }, (_, i) => workload.plan(first + i));
      if (kind === 'raw') return writeDirectBatch(conn, sends, workload.content);
      await db.storage.messages.append(sends.map((s) => directAppendInput(workload.toInput(s))));
    };
    // Warm-up: the connection, prepared texts and the first pages of every table.
    const conn = await createConnection(db.uri);
    try {
      await write(conn, 1_000_000_000, size);
    } finally {
      await conn.end();
    }
    return await runRawReference(db.uri, MS, size, write, (line) => log(`${size} ${kind}: ${line}`));
  } finally {
    await db.dispose();
  }
}

/** The MySQL server's CPU per message written, in µs ('?' where its process was not visible). */
function serverUsPerMessage(r: RawReferenceResult): string {
  const ms = serverMsPerMessage(r);
  return ms === undefined ? '?' : (ms * 1000).toFixed(0);
}

async function main(): Promise<void> {
  const what =
    GROUPS > 0 ? `sends to ${GROUPS} group(s) of ${MEMBERS}` : `1:1 sends among ${int(USERS)} users`;
  log(`${what}; batch sizes ${SIZES.join(', ')}; ${MS / 1000} s per side, raw then ours`);
  const rows: string[][] = [];
  for (const size of SIZES) {
    const raw = await side('raw', size);
    log(`${size}: raw ${int(raw.perSecond)} msg/s`);
    const ours = await side('ours', size);
    log(`${size}: ours ${int(ours.perSecond)} msg/s`);
    rows.push([
      int(size),
      `${int(raw.perSecond)} / ${int(ours.perSecond)}`,
      (ours.perSecond / raw.perSecond).toFixed(2),
      `${ms(raw.p50Ms)} / ${ms(raw.p99Ms)}`,
      `${ms(ours.p50Ms)} / ${ms(ours.p99Ms)}`,
      `${((1000 / raw.perSecond) * 1000).toFixed(0)} / ${((1000 / ours.perSecond) * 1000).toFixed(0)}`,
      `${serverUsPerMessage(raw)} / ${serverUsPerMessage(ours)}`,
    ]);
  }
  console.log(
    `\n${what}, one transaction at a time:\n\n` +
      table(
        [
          'messages per transaction',
          'msg/s raw / ours',
          'ours / raw',
          'raw transaction p50 / p99 (ms)',
          'ours p50 / p99 (ms)',
          'µs per message raw / ours',
          'MySQL server CPU µs per message raw / ours',
        ],
        rows,
      ),
  );
}

try {
  await main();
} finally {
  for (const db of live) await db.dispose();
}
