import { runService } from '@switchboard/runtime';
import { startTcpConn } from './server.js';

// The health port is outside the shared config schema; 0 or unset serves none.
const healthPort = Number(process.env['GATE_HEALTH_PORT'] ?? 0) || undefined;

await runService({
  name: 'tcp-conn',
  start: (config, logger) => startTcpConn({ config, logger, ...(healthPort ? { healthPort } : {}) }),
});
