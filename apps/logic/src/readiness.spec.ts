import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { describe, expect, it } from 'vitest';
import { startLogic } from './server.js';

/** A port nothing listens on (bound a moment ago, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Not @switchboard/testing: an app's spec importing it would tie the app to every library the
// test helpers use (the boundary test probes one of them).
describe('logic readiness', () => {
  it('starts, but says loudly and on /readyz that route is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-logic-ready-'));
    const routeAddress = `127.0.0.1:${await closedPort()}`;
    const config = loadConfig({
      profile: 'embedded',
      overrides: {
        logic: { grpcPort: 0, httpPort: 0, api: { httpPort: 0, grpcPort: 0 }, routeAddress },
        sqlite: { file: join(dir, 'db.sqlite') },
      },
    });
    const logs = memoryDestination();
    const logic = await startLogic({
      config,
      logger: createLogger({ level: 'info', service: 't', destination: logs }),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${logic.httpPort}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain(`route at ${routeAddress} unreachable`);
      expect((await fetch(`http://127.0.0.1:${logic.httpPort}/healthz`)).status).toBe(200);
      const lines = logs.lines;
      expect(
        lines.some(
          (l) => l.level === 50 && String(l.msg).includes(`route at ${routeAddress} is unreachable`),
        ),
      ).toBe(true);
      expect(lines.some((l) => String(l.msg).includes('NOT READY'))).toBe(true);
    } finally {
      await logic.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
