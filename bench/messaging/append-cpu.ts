// Logic's persisted 1:1 send path alone, in this process: MessageStore → SendBatcher (group commit)
// → storage.messages.append against a scratch MariaDB database (or SQLite with --sqlite), without
// gRPC, gates or route (no pushes). Each round offers --batch sends at once, which the batcher writes
// as one transaction of exactly that many messages, between random pairs of --users users. Prints
// messages/s, this process's CPU per message and, when its process is visible on this machine, the
// MariaDB server's (all of its work: run it on an otherwise idle database server); with
// --cpu-prof DIR also a V8 CPU profile of the measured part (summarise with
// `npx tsx bench/signin/profile-summary.ts DIR`). For before/after comparisons run back to back:
// --in-flight N writes up to N transactions at once (logic.sendBatchesInFlight), each round then
// offering N batches; sends the storage gave up on (CONFLICT after its retries) are counted.
// Also the bytes written per message (SQLite: this process, log and checkpoints; MariaDB: the
// server, when its /proc entry is readable).
//   npx tsx bench/messaging/append-cpu.ts [--messages 40000] [--batch 64] [--users 2000] [--in-flight 1] [--contacts 0] [--sqlite]
import { parseArgs } from 'node:util';
import {
  DEFAULT_MYSQL_SERVER_URI,
  directAppendInput,
  directSendResult,
  type DirectSendInput,
} from '@switchboard/storage';
import { logicCounters } from '../../apps/logic/src/logic-metrics.js';
import { MessageStore } from '../../apps/logic/src/message-store.js';
import type { PushBatcher } from '../../apps/logic/src/push-batcher.js';
import { SendBatcher } from '../../apps/logic/src/send-batcher.js';
import { mysqlServerPid, processCpuSeconds, processWrittenBytes } from '../fanout/proc-stats.js';
import { describeWritten } from '../groups/target.js';
import { profileThisProcess } from '../shared/cpu-prof.js';
import { recipientOf } from '../send/workload.js';
import { openScratchStorage } from '../shared/scratch-storage.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '40000' },
    batch: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '1' },
    users: { type: 'string', default: '2000' },
    'warmup-messages': { type: 'string', default: '5000' },
    sqlite: { type: 'boolean', default: false },
    contacts: { type: 'string', default: '0' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'cpu-prof': { type: 'string', default: '' },
  },
});
const N = Number(args.messages);
const BATCH = Number(args.batch);
const IN_FLIGHT = Number(args['in-flight']);
const USERS = Number(args.users);
const CONTACTS = Number(args.contacts);
const WARMUP = Number(args['warmup-messages']);
const content = new Uint8Array(100).fill(120);

const scratch = await openScratchStorage({
  sqlite: args.sqlite,
  mysqlServerUri: args.mysql,
  prefix: 'sb_append_cpu',
});
const { storage } = scratch;
try {
  const batcher = new SendBatcher((batch, seqsTaken) => storage.messages.append(batch, seqsTaken), 1, BATCH, {
    maxQueued: Number.MAX_SAFE_INTEGER,
    maxInFlight: IN_FLIGHT,
  });
  // No route here: nothing is ever waiting to be pushed.
  const pushes = { routeFailing: false, backlog: 0, oldestWaitMs: () => 0 } as unknown as PushBatcher;
  const store = new MessageStore(batcher, pushes, { maxContentBytes: 65_536 }, logicCounters());
  let sent = 0;
  let duplicates = 0;
  let failed = 0;
  const sendOne = async (): Promise<void> => {
    const from = Math.floor(Math.random() * USERS);
    const to = recipientOf(from, USERS, CONTACTS, Math.random());
    const input: DirectSendInput = {
      appId: 'bench',
      senderUserId: `u${from}`,
      senderDeviceId: 'd1',
      recipientUserId: `u${to}`,
      clientMsgId: `m${sent++}`,
      contentType: 'text/plain',
      content,
      sentAt: Date.now(),
    };
    try {
      const result = directSendResult(input, await store.append(directAppendInput(input)));
      if (result.duplicate) duplicates++;
    } catch {
      failed++;
    }
  };
  const rounds = async (messages: number): Promise<void> => {
    for (let done = 0; done < messages; done += BATCH * IN_FLIGHT) {
      const round: Promise<void>[] = [];
      for (let i = 0; i < BATCH * IN_FLIGHT; i++) round.push(sendOne());
      await Promise.all(round);
    }
  };
  // Warm-up: JIT, the users' counter rows, prepared statements.
  await rounds(WARMUP);

  const stopProfile = args['cpu-prof'] ? await profileThisProcess(args['cpu-prof'], 'append-cpu') : undefined;
  const serverPid = scratch.dialect === 'mariadb' ? mysqlServerPid() : undefined;
  const serverCpu0 = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
  const serverWritten0 = serverPid === undefined ? undefined : processWrittenBytes(serverPid);
  const ownWritten0 = processWrittenBytes();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await rounds(N);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ownWritten1 = processWrittenBytes();
  const serverWritten1 = serverPid === undefined ? undefined : processWrittenBytes(serverPid);
  await stopProfile?.();
  const measured = Math.ceil(N / (BATCH * IN_FLIGHT)) * BATCH * IN_FLIGHT;
  const serverCpu1 = serverPid === undefined ? undefined : processCpuSeconds(serverPid);
  const server =
    serverCpu0 === undefined || serverCpu1 === undefined
      ? ''
      : `, ${(((serverCpu1 - serverCpu0) * 1e6) / measured).toFixed(1)} µs in the database server`;
  // What the disk is asked to take per message: SQLite's log frames and checkpoints (this process),
  // or the database server's log and pages (when its /proc entry is readable).
  const [who, written0, written1] =
    scratch.dialect === 'sqlite'
      ? ['this process', ownWritten0, ownWritten1]
      : ['database server', serverWritten0, serverWritten1];
  const written =
    written0 && written1
      ? `; KiB written per message: ${describeWritten(new Map([[who, written0]]), new Map([[who, written1]]), measured)}`
      : '';
  console.log(
    `[append-cpu] ${scratch.dialect}: ${measured} messages in batches of ${BATCH} ` +
      `, ${IN_FLIGHT} in flight (${duplicates} duplicates, ${failed} failed): ${Math.round(measured / seconds)}/s, ` +
      `${((cpu.user + cpu.system) / measured).toFixed(1)} µs CPU per message in this process${server}${written}`,
  );
  if (duplicates > 0) throw new Error('FAILED: a fresh send was answered as a duplicate');
} finally {
  await scratch.dispose();
}
