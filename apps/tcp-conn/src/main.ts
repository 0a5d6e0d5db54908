import { runService } from '@switchboard/runtime';
import { startTcpConn } from './server.js';

await runService({ name: 'tcp-conn', start: (config, logger) => startTcpConn({ config, logger }) });
