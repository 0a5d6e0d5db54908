import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, freePort, ServiceProcess, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';

// What profileChildProcesses hands the services: the preload through NODE_OPTIONS, the folder.
const preload = new URL('../signin/cpu-profile.mjs', import.meta.url).href;

describe('the CPU profile preload (signin/cpu-profile.mjs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cpu-prof-'));
  beforeAll(() => buildApps(['route']), 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([false, true])(
    'names the profile after the app, from source and from the bundle (compiled: %s)',
    async (compiled) => {
      const health = await freePort();
      const proc = ServiceProcess.start(
        'route',
        {
          SWITCHBOARD_ROUTE__GRPC_PORT: '0',
          SWITCHBOARD_ROUTE__HEALTH__PORT: String(health),
          NODE_OPTIONS: `--import ${preload}`,
          SB_CPU_PROF_DIR: dir,
        },
        [],
        { compiled },
      );
      try {
        // The preload ran before the app, so its SIGUSR2 handler is there once the app answers.
        await waitFor('/healthz', () => fetch(`http://127.0.0.1:${health}/healthz`), 20_000);
        const pid = proc.child.pid!;
        proc.child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 200));
        proc.child.kill('SIGUSR2');
        const file = join(dir, `route-${pid}.cpuprofile`);
        await waitFor(
          file,
          () => existsSync(file) || Promise.reject(new Error(`found ${readdirSync(dir).join(', ')}`)),
          10_000,
        );
      } finally {
        await proc.kill('SIGTERM');
      }
    },
  );
});
