import { parseArgs } from 'node:util';
import type { ConfigOverrides } from '@switchboard/config';

export const HELP = `usage: npm start -- [options]   (or: tsx apps/standalone/src/main.ts [options])

Runs gate (TCP and WebSocket), route and logic in one process with the embedded
profile: SQLite under the data folder, route state in memory.

  --host <addr>        interface to listen on (default 127.0.0.1)
  --tcp-port <port>    TCP gateway port (default 7100)
  --ws-port <port>     WebSocket gateway port (default 7200)
  --data-dir <dir>     where the SQLite database lives (default ./data)
  --profile <name>     config profile (default embedded)
  -h, --help           this text

Every config key can also be set as SWITCHBOARD_<PATH> (e.g. SWITCHBOARD_GATE__WS__PORT=9000).`;

export interface StandaloneFlags {
  help: boolean;
  profile?: string;
  overrides: ConfigOverrides;
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--${name}: expected a port number, got "${value}"`);
  return n;
}

/** Turns command-line flags into config overrides (the config layer validates them). */
export function parseFlags(argv: string[]): StandaloneFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      'tcp-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'data-dir': { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const tcpPort = port('tcp-port', values['tcp-port']);
  const wsPort = port('ws-port', values['ws-port']);
  const overrides: Record<string, unknown> = {};
  const gate: Record<string, unknown> = {};
  if (values.host) gate['host'] = values.host;
  if (tcpPort !== undefined) gate['tcp'] = { port: tcpPort };
  if (wsPort !== undefined) gate['ws'] = { port: wsPort };
  if (Object.keys(gate).length > 0) overrides['gate'] = gate;
  if (values['data-dir']) {
    overrides['dataDir'] = values['data-dir'];
    overrides['sqlite'] = { file: `${values['data-dir'].replace(/\/+$/, '')}/switchboard.db` };
  }
  return {
    help: values.help ?? false,
    ...(values.profile ? { profile: values.profile } : {}),
    overrides: overrides as ConfigOverrides,
  };
}
