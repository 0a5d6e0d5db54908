import { randomBytes } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '@switchboard/config';
import { ensureMysqlDatabase, openConfiguredStorage, type Storage } from '@switchboard/storage';
import cliPackage from '../package.json' with { type: 'json' };
import { APP_USAGE, runAppCommand } from './app-commands.js';
import { CHAT_USAGE, runChat } from './chat-command.js';
import type { AppFlags } from './app-flags.js';
import { BENCH_USAGE, runBench } from './bench-command.js';
import {
  LISTEN_USAGE,
  runListen,
  runSend,
  SEND_USAGE,
  type ClientFlags,
  type ServerLookup,
} from './client-commands.js';
import { CLUSTER_USAGE, runCluster, type ClusterFlags } from './cluster-command.js';
import { parseDurationSeconds } from './duration.js';
import type { CliIo } from './io.js';
import { mintToken } from '@switchboard/protocol/token';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const TOKEN_USAGE = `  switchboard token --app <app> --user <user> [--device <device>] [--ttl 1h] [--secret <secret>]
      Prints a client token. Without --secret, the app's secret is read from the
      database of the active profile (embedded: ./data/switchboard.db).`;

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const CLIENT_OPTIONS: Options = {
  user: str,
  app: str,
  url: str,
  device: str,
  token: str,
  secret: str,
  ttl: str,
  json: bool,
  profile: str,
};

interface Command {
  usage: string;
  options: Options;
  run(values: Record<string, string | boolean | undefined>, words: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  token: {
    usage: TOKEN_USAGE,
    options: { app: str, user: str, device: str, ttl: str, secret: str, profile: str },
    async run(v, _words, io) {
      if (!v['app'] || !v['user']) throw new UsageError('token needs --app and --user');
      const appId = v['app'] as string;
      const token = await mintToken({
        appId,
        userId: v['user'] as string,
        ttlSeconds: parseDurationSeconds((v['ttl'] as string | undefined) ?? '1h'),
        secret: (v['secret'] as string | undefined) ?? (await appSecret(config(v, io), appId)),
        ...(v['device'] ? { deviceId: v['device'] as string } : {}),
      });
      io.out(token);
      return 0;
    },
  },
  app: {
    usage: APP_USAGE,
    options: {
      app: str,
      name: str,
      secret: str,
      json: bool,
      key: str,
      grace: str,
      url: str,
      'webhook-secret': str,
      'allow-client-tags': str,
      'allow-room-sends': str,
      'show-secret': bool,
      profile: str,
    },
    run: (v, words, io) =>
      runAppCommand(words, v as AppFlags, {
        async withStorage(use, options) {
          const cfg = config(v, io);
          // The first step of a new deployment: create the database too (then migrate, as every command does).
          if (options?.createDatabase && cfg.logic.storage === 'mysql')
            await ensureMysqlDatabase(cfg.mysql.uri);
          return withStorage(cfg, use);
        },
        print: (text) => io.out(text),
      }),
  },
  cluster: {
    usage: CLUSTER_USAGE,
    options: {
      ws: str,
      tcp: str,
      logic: str,
      route: str,
      'mysql-uri': str,
      database: str,
      'redis-url': str,
      prefix: str,
      host: str,
      app: str,
      'log-level': str,
      compiled: bool,
      wiring: str,
    },
    run: (v) => runCluster(v as ClusterFlags),
  },
  listen: {
    usage: LISTEN_USAGE,
    options: { ...CLIENT_OPTIONS, room: str, count: str },
    run: (v, _words, io) => runListen(v as ClientFlags, io, serverLookup(v, io)),
  },
  send: {
    usage: SEND_USAGE,
    options: { ...CLIENT_OPTIONS, to: str, group: str, room: str, text: str },
    run: (v, words, io) => runSend(v as ClientFlags, words, io, serverLookup(v, io)),
  },
  chat: {
    usage: CHAT_USAGE,
    options: { ...CLIENT_OPTIONS, with: str, group: str },
    run: (v, _words, io) =>
      runChat(v as ClientFlags & { with?: string }, io.input ?? noInput(), io, serverLookup(v, io)),
  },
  bench: {
    usage: BENCH_USAGE,
    options: { list: bool },
    run: (_v, words, io) => runBench(words, io),
  },
};

export const USAGE = `usage: switchboard <command> [options]   (switchboard <command> --help for one command)
${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}

Options valid everywhere: --help, --version; --profile embedded|production (or SWITCHBOARD_PROFILE)
for the commands that read the database.`;

async function* noInput(): AsyncIterable<string> {}

/** These commands only touch the database: a throwaway internal secret stands in (production demands one). */
function config(v: Record<string, unknown>, io: CliIo): Config {
  return loadConfig({
    env: io.env,
    ...(typeof v['profile'] === 'string' ? { profile: v['profile'] } : {}),
    overrides: { internal: { secret: randomBytes(32).toString('base64url') } },
  });
}

/**
 * The client commands' defaults from the active profile's config (read once, when first needed): the
 * app's secret from its database, and the WebSocket gate's URL, so that `SWITCHBOARD_GATE__WS__PORT`
 * and a config file move them as they move the server.
 */
function serverLookup(v: Record<string, unknown>, io: CliIo): ServerLookup {
  let loaded: Config | undefined;
  const cfg = () => (loaded ??= config(v, io));
  return {
    secretOf: (appId) => appSecret(cfg(), appId),
    wsUrl: () => {
      const { host, ws } = cfg().gate;
      // A gate listening on every interface is reached on loopback from this machine.
      const reach = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return `ws://${reach}:${ws.port}${ws.path}`;
    },
  };
}

async function withStorage<T>(config: Config, use: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openConfiguredStorage(config, 1);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

async function appSecret(cfg: Config, appId: string): Promise<string> {
  return withStorage(cfg, async (s) => {
    const app = await s.apps.get(appId);
    if (!app)
      throw new Error(
        `no app "${appId}" in the database; start the server once or run "switchboard app create"`,
      );
    return app.tokenSecret;
  });
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and resolves with the exit code. A bad
 * command line is one line on stderr with the closest valid spelling, and exit code 2.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`switchboard: ${err.message}`);
      return 2;
    }
    io.err(`switchboard: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const name = argv.find((a) => !a.startsWith('-'));
  if (argv.includes('--version') || argv.includes('-v')) {
    io.out(cliPackage.version);
    return 0;
  }
  if (name === undefined) {
    const help = argv.includes('--help') || argv.includes('-h');
    (help ? io.out : io.err)(USAGE);
    return help ? 0 : 2;
  }
  if (name === 'help') {
    io.out(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}`);
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`usage:\n${command.usage}`);
    return 0;
  }
  const rest = argv.filter((a, i) => i !== argv.indexOf(name));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: withDashedValues(rest, command.options),
      allowPositionals: true,
      strict: true,
      options: command.options,
    });
  } catch (err) {
    throw new UsageError(parseError(err, name, command.options));
  }
  return command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, io);
}

/**
 * `--name value` as `--name=value` where `name` takes a string and the value starts with a dash
 * but is not itself an option: node:util would refuse it as ambiguous, yet generated secrets (base64url)
 * start with "-" one time in 64, and ids may too. A value that is an option stays an error.
 */
export function withDashedValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next?.startsWith('-') &&
      !isOption(next, options)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function isOption(arg: string, options: Options): boolean {
  if (arg === '--' || arg === '-h' || arg === '--help') return true;
  if (!arg.startsWith('--'))
    return Object.values(options).some((o) => o.short !== undefined && arg === `-${o.short}`);
  return Object.hasOwn(options, arg.slice(2).split('=')[0]!);
}

/** node:util's parse errors, as one line naming the closest valid option. */
function parseError(err: unknown, command: string, options: Options): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const flags = Object.keys(options).map((o) => `--${o}`);
    return `unknown option ${unknown} for "${command}"${didYouMean(unknown, flags)}`;
  }
  return `${command}: ${message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}`;
}
