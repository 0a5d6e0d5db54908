// Which tables and indexes the embedded suite's 1:1 append writes, per send: logic's storage on a
// SQLite file in a temporary folder (no gates, no route), warmed with --warmup-messages sends
// between --users users, its log then emptied (a full checkpoint), then --rounds batches of
// --batch sends, after which every page image in the write-ahead log is named after the B-tree
// that owns it (SQLite's `dbstat` table). Every commit writes each changed page whole, so pages
// per send is what a commit costs in writes (each frame is two write calls: its header, its page).
//   npx tsx bench/messaging/sqlite-pages.ts [--batch 20] [--rounds 10] [--users 2000] [--contacts 0] [--warmup-messages 60000]
// --contacts N: each user sends only to N fixed contacts (conversations repeat), as bench:messaging.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createStorage, directAppendInput, type AppendInput } from '@switchboard/storage';
import { recipientOf } from '../send/workload.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '10' },
    users: { type: 'string', default: '2000' },
    contacts: { type: 'string', default: '0' },
    'warmup-messages': { type: 'string', default: '60000' },
  },
});
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const USERS = Number(args.users);
const CONTACTS = Number(args.contacts);
const WARMUP = Number(args['warmup-messages']);
const content = new Uint8Array(100).fill(120);
// The WAL file's header, and each frame's header before its page image (sqlite.org/fileformat.html).
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

const dir = mkdtempSync(join(tmpdir(), 'sb-sqlite-pages-'));
const file = join(dir, 'db.sqlite');
const storage = await createStorage({ dialect: 'sqlite', file });
try {
  await storage.migrate();
  let sent = 0;
  const batch = (): AppendInput[] =>
    Array.from({ length: BATCH }, () => {
      const from = Math.floor(Math.random() * USERS);
      return directAppendInput({
        appId: 'bench',
        senderUserId: `u${from}`,
        senderDeviceId: 'd1',
        recipientUserId: `u${recipientOf(from, USERS, CONTACTS, Math.random())}`,
        clientMsgId: `m${sent++}`,
        contentType: 'text/plain',
        content,
        sentAt: Date.now(),
      });
    });
  for (let done = 0; done < WARMUP; done += BATCH) {
    await storage.messages.append(batch());
    if (done % 10_000 < BATCH) process.stderr.write(`\r[sqlite-pages] warm-up ${done}/${WARMUP} sends`);
  }
  process.stderr.write('\n');
  // A second connection empties the log (waiting for the checkpointer's own pass), so that what the
  // measured batches write is all that is in it.
  const side = new Database(file);
  try {
    side.pragma('busy_timeout = 5000');
    side.pragma('wal_checkpoint(TRUNCATE)');
    // The checkpointer's pass can let the writer start the log over, over frames not yet counted:
    // the header's checkpoint sequence number then moves, and the run says so.
    const checkpointSeq = () => readFileSync(`${file}-wal`).readUInt32BE(12);
    await storage.messages.append(batch());
    const seq0 = checkpointSeq();
    for (let round = 1; round < ROUNDS; round++) await storage.messages.append(batch());
    const wal = readFileSync(`${file}-wal`);
    if (wal.readUInt32BE(12) !== seq0)
      throw new Error('the log started over during the measured batches: run again');
    const pageSize = wal.readUInt32BE(8);
    const owner = new Map<number, string>();
    for (const row of side.prepare('select name, pageno from dbstat').all() as {
      name: string;
      pageno: number;
    }[])
      owner.set(row.pageno, row.name);
    const perTree = new Map<string, number>();
    let frames = 0;
    for (
      let at = WAL_HEADER_BYTES;
      at + FRAME_HEADER_BYTES + pageSize <= wal.length;
      at += FRAME_HEADER_BYTES + pageSize
    ) {
      frames++;
      const name = owner.get(wal.readUInt32BE(at)) ?? '(freed or new)';
      perTree.set(name, (perTree.get(name) ?? 0) + 1);
    }
    const sends = ROUNDS * BATCH;
    console.log(
      `[sqlite-pages] ${ROUNDS} batches of ${BATCH} sends (${USERS} users, ` +
        `${CONTACTS > 0 ? `${CONTACTS} contacts each` : 'random pairs'}, after ${WARMUP} sends): ` +
        `${frames} pages of ${pageSize} bytes written, ${(frames / sends).toFixed(2)} per send`,
    );
    for (const [name, n] of [...perTree].sort((a, b) => b[1] - a[1]))
      console.log(`  ${name.padEnd(32)} ${(n / sends).toFixed(2)} per send`);
  } finally {
    side.close();
  }
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
