import { runService } from '@switchboard/runtime';
import { banner } from './banner.js';
import { HELP, parseFlags, PORT_FLAG_OF } from './flags.js';
import { startSuite } from './suite.js';

let flags;
try {
  flags = parseFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

await runService({
  name: 'standalone',
  configOptions: { profile: flags.profile ?? 'embedded', overrides: flags.overrides },
  portFlags: PORT_FLAG_OF,
  start: async (config, logger) => {
    const suite = await startSuite(config, logger);
    process.stdout.write(banner(suite));
    return suite;
  },
});
