import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '@switchboard/config';
import { ensureMysqlDatabase, openConfiguredStorage, type Storage } from '@switchboard/storage';
import { APP_USAGE, runAppCommand } from './app-commands.js';
import { CLUSTER_USAGE, runCluster } from './cluster-command.js';
import { parseDurationSeconds } from './duration.js';
import { mintToken } from './mint-token.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage:
  switchboard token --app <app> --user <user> [--device <device>] [--ttl 1h] [--secret <secret>]
      Prints a client token. Without --secret, the app's secret is read from the
      database of the active profile (embedded: ./data/switchboard.db).
${APP_USAGE}
${CLUSTER_USAGE}

Options valid everywhere: --profile embedded|production (or SWITCHBOARD_PROFILE).`;

async function withStorage<T>(config: Config, use: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openConfiguredStorage(config, 1);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: 'string' },
      user: { type: 'string' },
      device: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      secret: { type: 'string' },
      name: { type: 'string' },
      // app
      json: { type: 'boolean' },
      key: { type: 'string' },
      grace: { type: 'string' },
      url: { type: 'string' },
      'webhook-secret': { type: 'string' },
      'allow-client-tags': { type: 'string' },
      'allow-room-sends': { type: 'string' },
      'show-secret': { type: 'boolean' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      // cluster
      ws: { type: 'string' },
      tcp: { type: 'string' },
      logic: { type: 'string' },
      route: { type: 'string' },
      'mysql-uri': { type: 'string' },
      database: { type: 'string' },
      'redis-url': { type: 'string' },
      prefix: { type: 'string' },
      host: { type: 'string' },
      'log-level': { type: 'string' },
      wiring: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  // These commands only touch the database, never an internal service: they need no internal
  // secret, so a throwaway one stands in for it (a production profile would otherwise demand one).
  const config = () =>
    loadConfig({
      ...(values.profile ? { profile: values.profile } : {}),
      overrides: { internal: { secret: randomBytes(32).toString('base64url') } },
    });

  if (command === 'cluster') return runCluster(values);

  if (command === 'token') {
    if (!values.app || !values.user) throw new Error('token needs --app and --user');
    const appId = values.app;
    const secret =
      values.secret ??
      (await withStorage(config(), async (s) => {
        const app = await s.apps.get(appId);
        if (!app)
          throw new Error(
            `no app "${appId}" in the database; start the server once or run "switchboard app create"`,
          );
        return app.tokenSecret;
      }));
    const token = await mintToken({
      appId,
      userId: values.user,
      ttlSeconds: parseDurationSeconds(values.ttl),
      secret,
      ...(values.device ? { deviceId: values.device } : {}),
    });
    console.log(token);
    return 0;
  }

  if (command === 'app') {
    return runAppCommand(positionals.slice(1), values, {
      async withStorage(use, options) {
        const cfg = config();
        // The first step of a new deployment: create the database too (then migrate, as every command does).
        if (options?.createDatabase && cfg.logic.storage === 'mysql')
          await ensureMysqlDatabase(cfg.mysql.uri);
        return withStorage(cfg, use);
      },
      print: (text) => console.log(text),
    });
  }

  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`switchboard: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`switchboard: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
