import { ConfigError, loadConfig, type Config, type LoadConfigOptions } from '@switchboard/config';
import { createLogger, type Logger } from '@switchboard/log';
import { explainPortInUse } from './port-in-use.js';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** Service name, used as the logger's `service` field. */
  name: string;
  start(config: Config, logger: Logger): Promise<Stoppable>;
  /** How to load the configuration (profile, overrides from flags, environment). */
  configOptions?: LoadConfigOptions;
  /** The app's command-line flag for a config key (`gate.ws.port` → `--ws-port`), for error messages. */
  portFlags?: Readonly<Record<string, string>>;
}

/**
 * The shared body of every app's main.ts: load and validate config (a bad value
 * prints the key and exits 1), start the service, and on SIGTERM/SIGINT stop it
 * in order and exit 0. A second signal exits at once.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(options.configOptions);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, service: options.name });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(70);
  });
  process.on('unhandledRejection', (err) => {
    logger.error({ err }, 'unhandled promise rejection');
  });

  let running: Stoppable;
  try {
    running = await options.start(config, logger);
  } catch (err) {
    const portInUse = explainPortInUse(err, config, options.portFlags);
    if (portInUse) {
      logger.fatal({ err: err instanceof Error ? err.message : String(err) }, portInUse.split('\n')[0]!);
      process.stderr.write(`${options.name}: ${portInUse}\n`);
    } else {
      logger.fatal({ err }, 'failed to start');
    }
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
