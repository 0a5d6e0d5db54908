import { describe, expect, it } from 'vitest';
import { startHealthServer } from './health-server.js';
import { Readiness } from './readiness.js';

function recordingLogger() {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    error: (_: object, msg: string) => void lines.push(['error', msg]),
    info: (_: object, msg: string) => void lines.push(['info', msg]),
  };
}

describe('Readiness and /readyz', () => {
  it('is not ready while an upstream fails, says so once at error level, and recovers', async () => {
    let up = false;
    const logger = recordingLogger();
    const readiness = new Readiness({
      checks: [
        { name: 'db', check: async () => {} },
        {
          name: 'route at 127.0.0.1:1',
          check: async () => {
            if (!up) throw new Error('connection refused');
          },
        },
      ],
      logger,
    });
    expect(readiness.ready).toBe(false);
    await readiness.runOnce();
    await readiness.runOnce();
    expect(readiness.ready).toBe(false);
    expect(logger.lines).toEqual([
      ['error', 'upstream route at 127.0.0.1:1 is unreachable; /readyz answers 503 until it is'],
    ]);

    const server = await startHealthServer('127.0.0.1', 0, {
      healthy: () => true,
      readiness,
      metrics: () => '',
    });
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      return [res.status, await res.text()];
    };
    expect(await readyz()).toEqual([
      503,
      'not ready\nroute at 127.0.0.1:1 unreachable: connection refused\n',
    ]);

    up = true;
    await readiness.runOnce();
    expect(readiness.ready).toBe(true);
    expect(logger.lines[1]).toEqual(['info', 'upstream route at 127.0.0.1:1 is reachable again']);
    expect(await readyz()).toEqual([200, 'ready\n']);
    readiness.stop();
    expect(await readyz()).toEqual([503, 'not ready\nstarting\n']);
    await server.close();
  });

  it('times out a check that never answers', async () => {
    const readiness = new Readiness({
      checks: [{ name: 'slow', check: () => new Promise(() => {}) }],
      logger: recordingLogger(),
      timeoutMs: 50,
    });
    await readiness.runOnce();
    expect(readiness.problems()).toEqual([{ upstream: 'slow', reason: 'no answer within 50 ms' }]);
  });
});
