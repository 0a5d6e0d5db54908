import { runService } from '@switchboard/runtime';
import { startLogic } from './server.js';

await runService({ name: 'logic', start: (config, logger) => startLogic({ config, logger }) });
