// Logic's small-group send path alone, in this process: GroupMessaging.send (the group and member
// lookup) → MessageStore → SendBatcher (group commit) → storage against a scratch MariaDB database
// (or SQLite with --sqlite) → the per-member MESSAGE pushes → PushBatcher → a route port that counts
// its DeliverToUsers calls and answers at once (no gRPC, no gates). --concurrency senders each send
// to one group of --members, one message after another (1: every send alone in its transaction and
// its push call, as at a low rate). Prints sends/s, this process's CPU per send (the database
// server's not included) and route calls and packets per send. CPU time, not wall time: steadier
// than the cluster's figures on a shared machine. For before/after comparisons run back to back:
//   npx tsx bench/messaging/group-cpu.ts [--sends 4000] [--members 20] [--concurrency 1] [--sqlite]
import { parseArgs } from 'node:util';
import { createLogger } from '@switchboard/log';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { GroupMessaging } from '../../apps/logic/src/groups/group-messaging.js';
import { logicCounters } from '../../apps/logic/src/logic-metrics.js';
import { MessageStore } from '../../apps/logic/src/message-store.js';
import { PushBatcher } from '../../apps/logic/src/push-batcher.js';
import { SendBatcher } from '../../apps/logic/src/send-batcher.js';
import { SyncNudger } from '../../apps/logic/src/sync-nudger.js';
import { CountingRoute } from '../send/counting-route.js';
import { profileThisProcess } from '../shared/cpu-prof.js';
import { openScratchStorage } from '../shared/scratch-storage.js';

const { values: args } = parseArgs({
  options: {
    sends: { type: 'string', default: '4000' },
    members: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '1' },
    'warmup-sends': { type: 'string', default: '500' },
    sqlite: { type: 'boolean', default: false },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'cpu-prof': { type: 'string', default: '' },
  },
});
const SENDS = Number(args.sends);
const MEMBERS = Number(args.members);
const CONCURRENCY = Number(args.concurrency);
const content = new Uint8Array(100).fill(120);

const scratch = await openScratchStorage({
  sqlite: args.sqlite,
  mysqlServerUri: args.mysql,
  prefix: 'sb_group_cpu',
});
const { storage } = scratch;
try {
  const log = createLogger({ level: 'silent', service: 'group-cpu' });
  const counters = logicCounters();
  const route = new CountingRoute();
  const nudger = new SyncNudger(route, counters);
  const pushes = new PushBatcher(route, nudger, counters, log);
  const batcher = new SendBatcher((batch) => storage.messages.append(batch), 1, 500);
  const store = new MessageStore(batcher, pushes, { maxContentBytes: 65_536 }, counters);
  const groups = new GroupMessaging(
    storage,
    store,
    pushes,
    route,
    { syncLimitMax: 100, syncMaxBytes: 1 << 20 },
    counters,
    log,
  );
  const members = Array.from({ length: MEMBERS }, (_, i) => `m${i}`);
  await storage.groups.create({
    appId: 'bench',
    groupId: 'g',
    name: 'g',
    ownerUserId: members[0]!,
    extra: '',
    memberUserIds: members.slice(1),
    large: false,
    at: Date.now(),
  });
  let n = 0;
  const sender = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const k = n++;
      await groups.send('bench', {
        senderUserId: members[k % MEMBERS]!,
        senderDeviceId: 'd1',
        groupId: 'g',
        clientMsgId: `c${k}`,
        contentType: 'text',
        content,
      });
    }
  };
  const run = async (sends: number): Promise<void> => {
    await Promise.all(Array.from({ length: CONCURRENCY }, () => sender(Math.ceil(sends / CONCURRENCY))));
    await store.drain();
  };
  await run(Number(args['warmup-sends']));

  const calls0 = route.deliveries;
  const packets0 = route.packets;
  const sent0 = n;
  const stopProfile = args['cpu-prof'] ? await profileThisProcess(args['cpu-prof'], 'group-cpu') : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(SENDS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await stopProfile?.();
  const sent = n - sent0;
  console.log(
    `[group-cpu] ${scratch.dialect}: ${sent} sends to a group of ${MEMBERS}, ${CONCURRENCY} at a time: ` +
      `${Math.round(sent / seconds)}/s, ${((cpu.user + cpu.system) / sent).toFixed(0)} µs CPU per send in this ` +
      `process; route calls per send ${((route.deliveries - calls0) / sent).toFixed(2)}, packets per send ` +
      `${((route.packets - packets0) / sent).toFixed(1)}`,
  );
  pushes.stop();
  nudger.stop();
} finally {
  await scratch.dispose();
}
