import { join } from 'node:path';
import { loadConfig, type Config } from '@switchboard/config';

/**
 * The embedded profile for an in-process suite in a test: every port free (0), the database in
 * `dataDir`, health listeners off, and `logic` merged over that (e.g. faster offline-push retries).
 */
export function embeddedTestConfig(dataDir: string, more: { logic?: object; gate?: object } = {}): Config {
  return loadConfig({
    profile: 'embedded',
    env: {},
    overrides: {
      dataDir,
      sqlite: { file: join(dataDir, 'switchboard.db') },
      gate: {
        grpcPort: 0,
        tcp: { port: 0 },
        ws: { port: 0 },
        health: { enabled: false, port: 0 },
        ...more.gate,
      },
      route: { grpcPort: 0, health: { enabled: false, port: 0 } },
      logic: { grpcPort: 0, httpPort: 0, api: { httpPort: 0, grpcPort: 0 }, ...more.logic },
    } as never,
  });
}
