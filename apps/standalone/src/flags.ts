import { parseArgs } from 'node:util';
import { pathToEnvName, type ConfigOverrides } from '@switchboard/config';

/** The port flags: config key, flag, default (from config/default.yaml), what listens there. */
export const PORT_FLAGS = [
  ['gate.tcp.port', 'tcp-port', 7100, 'TCP gateway (clients)'],
  ['gate.ws.port', 'ws-port', 7200, 'WebSocket gateway (clients)'],
  ['gate.health.port', 'gate-health-port', 7310, 'gate health, metrics (WebSocket gate: +1)'],
  ['route.health.port', 'route-health-port', 7410, 'route health and metrics'],
  ['logic.httpPort', 'logic-http-port', 7600, 'logic health and metrics'],
  ['logic.api.httpPort', 'api-port', 7700, 'business API, HTTP JSON (/v1/)'],
  ['logic.api.grpcPort', 'api-grpc-port', 7800, 'business API, gRPC'],
] as const;

/** Config key → flag, for the port-in-use message. */
export const PORT_FLAG_OF: Readonly<Record<string, string>> = Object.fromEntries(
  PORT_FLAGS.map(([key, flag]) => [key, `--${flag}`]),
);

export const HELP = `usage: npm start -- [options]   (or: tsx apps/standalone/src/main.ts [options])

Runs gate (TCP and WebSocket), route and logic in one process with the embedded
profile: SQLite under the data folder, route state in memory.

  --host <addr>        interface the gates listen on (default 127.0.0.1)
  --data-dir <dir>     where the SQLite database lives (default ./data)
  --profile <name>     config profile (default embedded)
  -h, --help           this text

Ports: a flag or its environment variable moves one (0 picks any free port).
  flag                        variable                         default
${PORT_FLAGS.map(
  ([key, flag, def, what]) =>
    `  --${`${flag} <port>`.padEnd(25)} ${pathToEnvName(key.split('.')).padEnd(32)} ${String(def).padEnd(5)} ${what}`,
).join('\n')}

Every config key can also be set as SWITCHBOARD_<PATH> (e.g. SWITCHBOARD_LOG__LEVEL=debug);
config/default.yaml lists them all.`;

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
      'data-dir': { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(PORT_FLAGS.map(([, flag]) => [flag, { type: 'string' as const }])),
    },
  });
  const overrides: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    const path = key.split('.');
    let node = overrides;
    for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = value;
  };
  if (values.host) set('gate.host', values.host);
  for (const [key, flag] of PORT_FLAGS) {
    const value = port(flag, (values as Record<string, string | undefined>)[flag]);
    if (value !== undefined) set(key, value);
  }
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
