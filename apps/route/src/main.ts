import { runService } from '@switchboard/runtime';
import { startRoute } from './server.js';

await runService({ name: 'route', start: (config, logger) => startRoute({ config, logger }) });
