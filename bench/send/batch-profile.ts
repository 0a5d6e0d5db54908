// Where one group-commit transaction spends its time: each statement of a 256-send batch, and the
// counter lock-read written three ways. Companion of run.ts; its figures explain run.ts's ceiling.
// Run: npx tsx bench/send/batch-profile.ts   (about 20 s; needs MariaDB/MySQL like run.ts)
import { Kysely, sql } from 'kysely';
import { createScratchMysqlDatabase, createStorage, DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
// Storage internals, reached by path on purpose: the profile needs kysely's per-query log hook,
// which the public createStorage does not expose.
import type { Database } from '../../libs/storage/src/db-schema.js';
import { sendDirectBatch } from '../../libs/storage/src/direct-send.js';
import { createMysqlDialect } from '../../libs/storage/src/mysql-dialect.js';
import { quantile } from './closed-loop.js';
import { BENCH_APP_ID, Workload } from './workload.js';

const USERS = 1000;
// Sends per transaction: the logic service's default maxSize unless given (`-- 1024`).
const BATCH = Number(process.argv[2] ?? 256);
const WARMUP_BATCHES = 40;
const MEASURED_BATCHES = 40;
const LOOKUP_ROUNDS = 40;

const scratch = await createScratchMysqlDatabase(DEFAULT_MYSQL_SERVER_URI, 'sb_bench');
try {
  const workload = new Workload(USERS, 'profile');
  const setup = await createStorage({ dialect: 'mysql', uri: scratch.uri, poolSize: 8 });
  await setup.migrate();
  for (let i = 0; i < USERS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, USERS - i) }, (_, j) =>
        setup.users.upsert({ appId: BENCH_APP_ID, userId: workload.userId(i + j) }),
      ),
    );
  }
  await setup.close();

  const dialect = createMysqlDialect({ uri: scratch.uri, poolSize: 2 });
  let record: ((statement: string, ms: number) => void) | undefined;
  const db = new Kysely<Database>({
    dialect: dialect.kysely,
    log: (event) => record?.(statementName(event.query.sql), event.queryDurationMillis),
  });
  const ctx = { db, dialect, now: Date.now };
  let n = 0;
  const nextBatch = () => Array.from({ length: BATCH }, () => workload.toInput(workload.plan(n++)));

  console.log(`${USERS} users, batches of ${BATCH} random 1:1 sends; ${WARMUP_BATCHES} warm-up batches`);
  for (let i = 0; i < WARMUP_BATCHES; i++) await sendDirectBatch(ctx, nextBatch());

  const perStatement = new Map<string, number>();
  const totals: number[] = [];
  record = (statement, ms) => perStatement.set(statement, (perStatement.get(statement) ?? 0) + ms);
  for (let i = 0; i < MEASURED_BATCHES; i++) {
    const t0 = performance.now();
    await sendDirectBatch(ctx, nextBatch());
    totals.push(performance.now() - t0);
  }
  record = undefined;
  totals.sort((a, b) => a - b);
  console.log(`\nsendDirect(${BATCH} sends): median ${quantile(totals, 0.5).toFixed(1)} ms per transaction`);
  console.log('\n| statement (in order) | mean ms per batch |\n| --- | ---: |');
  for (const [statement, ms] of perStatement) {
    console.log(`| ${statement} | ${(ms / MEASURED_BATCHES).toFixed(1)} |`);
  }

  // The users counted by one batch, locked three ways: the per-key OR the storage used at first,
  // the IN list it uses now (key-lookup.ts), and a row-constructor IN.
  const userIds = [...new Set(nextBatch().flatMap((s) => [s.senderUserId, s.recipientUserId]))].sort();
  const forms: Array<[string, (trx: Kysely<Database>) => Promise<unknown>]> = [
    [
      'or of (app_id = ? and user_id = ?)  [before]',
      (trx) =>
        trx
          .selectFrom('user_seqs')
          .select(['app_id', 'user_id', 'max_seq'])
          .where((eb) =>
            eb.or(userIds.map((id) => eb.and([eb('app_id', '=', BENCH_APP_ID), eb('user_id', '=', id)]))),
          )
          .forUpdate()
          .execute(),
    ],
    [
      'app_id = ? and user_id in (...)  [now]',
      (trx) =>
        trx
          .selectFrom('user_seqs')
          .select(['app_id', 'user_id', 'max_seq'])
          .where('app_id', '=', BENCH_APP_ID)
          .where('user_id', 'in', userIds)
          .forUpdate()
          .execute(),
    ],
    [
      '(app_id, user_id) in ((?, ?), ...)',
      (trx) =>
        trx
          .selectFrom('user_seqs')
          .select(['app_id', 'user_id', 'max_seq'])
          .where(
            sql`(app_id, user_id)`,
            'in',
            sql`(${sql.join(userIds.map((id) => sql`(${BENCH_APP_ID}, ${id})`))})`,
          )
          .forUpdate()
          .execute(),
    ],
  ];
  console.log(`\nLocking read of ${userIds.length} user counters, median of ${LOOKUP_ROUNDS}:`);
  console.log('\n| form | median ms |\n| --- | ---: |');
  for (const [name, lookup] of forms) {
    const times: number[] = [];
    for (let i = 0; i < LOOKUP_ROUNDS; i++) {
      await db.transaction().execute(async (trx) => {
        const t0 = performance.now();
        await lookup(trx);
        times.push(performance.now() - t0);
      });
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${quantile(times, 0.5).toFixed(2)} |`);
  }
  await db.destroy();
} finally {
  await scratch.drop();
}

/** A short name for a statement: its verb and table, e.g. "select users". */
function statementName(text: string): string {
  const verb = text.split(' ', 1)[0]!.toLowerCase();
  const table = /(?:from|into|update)\s+`(\w+)`/i.exec(text)?.[1] ?? '';
  const locking = /for update$/i.test(text.trim()) ? ' for update' : '';
  return `${verb} ${table}${locking}`.trim();
}
