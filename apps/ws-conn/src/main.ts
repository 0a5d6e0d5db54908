import { runService } from '@switchboard/runtime';
import { startWsConn } from './server.js';

await runService({ name: 'ws-conn', start: (config, logger) => startWsConn({ config, logger }) });
