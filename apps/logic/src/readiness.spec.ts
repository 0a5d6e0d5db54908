import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { freePort } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import { startLogic } from './server.js';

describe('logic readiness', () => {
  it('starts, but says loudly and on /readyz that route is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-logic-ready-'));
    const routeAddress = `127.0.0.1:${await freePort()}`;
    const config = loadConfig({
      profile: 'embedded',
      overrides: {
        logic: { grpcPort: 0, httpPort: 0, routeAddress },
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
