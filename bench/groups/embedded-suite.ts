// The embedded suite (what `npm start` runs) in a process of its own for the group benchmarks:
// free ports, a scratch data folder, an app and an API key for the run; reports where to connect
// and stops when told or when its parent goes away.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switchboard/log';
import { startSuite } from '@switchboard/standalone/suite';
import { embeddedTestConfig } from '../../tests/e2e/embedded-config.js';
import { BENCH_ENV } from './target.js';
import type { EmbeddedReport } from './ipc.js';

if (!process.send) throw new Error('started by bench/groups (needs an IPC channel)');
const dataDir = mkdtempSync(join(tmpdir(), 'sb-groups-bench-'));
// The test config ignores the environment; a benchmark's raised flood limit is passed on by hand.
const packetsPerSecond = Number(process.env['SWITCHBOARD_GATE__RATE_LIMIT__PACKETS_PER_SECOND'] ?? 0);
const config = embeddedTestConfig(dataDir, {
  gate: {
    heartbeatTimeoutMs: Number(BENCH_ENV.SWITCHBOARD_GATE__HEARTBEAT_TIMEOUT_MS),
    ...(packetsPerSecond > 0 ? { rateLimit: { packetsPerSecond, burst: 2 * packetsPerSecond } } : {}),
  },
});
const suite = await startSuite(config, createLogger({ level: 'warn', service: 'bench-suite' }));
const appId = 'bench';
const secret = randomBytes(32).toString('base64url');
await suite.storage.apps.create({ appId, name: appId, tokenSecret: secret });
const { key } = await suite.storage.apiKeys.create({ appId, name: 'bench' });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void suite
    .stop()
    .finally(() => rmSync(dataDir, { recursive: true, force: true }))
    .finally(() => process.exit(0));
};
process.on('message', (m: { t: string }) => m.t === 'stop' && stop());
process.on('disconnect', stop);
const ready: EmbeddedReport = {
  t: 'ready',
  tcpUrl: suite.tcpUrl,
  wsUrl: suite.wsUrl,
  api: suite.api.http,
  appId,
  secret,
  apiKey: key,
};
process.send(ready);
