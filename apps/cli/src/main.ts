import { createInterface } from 'node:readline';
import { runCli } from './cli.js';

const interrupted = new AbortController();
// The cluster command handles its own signals; the others stop cleanly on the first Ctrl-C.
if (process.argv[2] !== 'cluster') {
  process.once('SIGINT', () => interrupted.abort());
  process.once('SIGTERM', () => interrupted.abort());
}

runCli(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  env: process.env,
  signal: interrupted.signal,
  ...(process.argv.includes('chat')
    ? { input: createInterface({ input: process.stdin, terminal: false }) }
    : {}),
}).then((code) => process.exit(code));
