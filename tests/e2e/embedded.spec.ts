import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceProcess } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatScenarios } from './chat-scenarios.js';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** `npm start` as a person runs it, on free ports and a scratch data folder. */
describe('embedded suite (npm start: one process, SQLite, memory route store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-embedded-'));
  const env = {
    SWITCHBOARD_GATE__GRPC_PORT: '0',
    SWITCHBOARD_ROUTE__GRPC_PORT: '0',
    SWITCHBOARD_LOGIC__GRPC_PORT: '0',
    SWITCHBOARD_LOGIC__HTTP_PORT: '0',
    SWITCHBOARD_ROUTE__HEALTH__PORT: '0',
    SWITCHBOARD_GATE__HEALTH__PORT: '0',
    SWITCHBOARD_LOG__LEVEL: 'warn',
  };
  let suite: ServiceProcess;
  let tcpUrl = '';
  let wsUrl = '';

  beforeAll(async () => {
    suite = ServiceProcess.start('standalone', env, [
      '--tcp-port',
      '0',
      '--ws-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    wsUrl = (await suite.waitForLine(/WebSocket\s+ws:\/\//, 60_000)).match(/ws:\/\/\S+/)![0];
    tcpUrl = (await suite.waitForLine(/TCP\s+tcp:\/\//)).match(/tcp:\/\/\S+/)![0];
  }, 90_000);

  afterAll(async () => {
    const code = await suite.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  /** Mints a token with the CLI, which reads the demo app's secret from the embedded database. */
  const token = async (user: string, device?: string) => {
    const args = [join(root, 'apps/cli/src/main.ts'), 'token', '--app', 'demo', '--user', user];
    if (device) args.push('--device', device);
    const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), args, {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_SQLITE__FILE: join(dataDir, 'switchboard.db') },
    });
    return stdout.trim();
  };

  it('prints where to connect, and every listed metrics endpoint answers', async () => {
    expect(tcpUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const metricsLine = await suite.waitForLine(/metrics\s+http:\/\//);
    const urls = metricsLine.match(/http:\/\/\S+\/metrics/g) ?? [];
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect(await res.text(), url).toMatch(/^# HELP switchboard_/);
    }
  });

  it('passes the chat scenarios over TCP and WebSocket', async () => {
    await chatScenarios({ tcpUrl, wsUrl, otherUrl: wsUrl, token }, 'e1');
  }, 60_000);
});
