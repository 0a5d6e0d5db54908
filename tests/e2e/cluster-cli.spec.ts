import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_MYSQL_SERVER_URI, dropMysqlDatabase } from '@switchboard/storage';
import { deleteRedisKeys, waitFor } from '@switchboard/testing';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm run cluster` as a person runs it: the smallest cluster, stopped with SIGINT (Ctrl-C). */
describe('switchboard cluster (the command)', () => {
  const database = `sb_cli_${randomBytes(6).toString('hex')}`;
  const prefix = `sbcli-${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    await dropMysqlDatabase(`${DEFAULT_MYSQL_SERVER_URI}/${database}`);
    await deleteRedisKeys('redis://127.0.0.1:6379', prefix);
  });

  it('prints where to connect once every service is ready, and stops them all on SIGINT', async () => {
    // `node --import tsx`, as the npm script does, so that the signal reaches the launcher itself.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'apps/cli/src/main.ts'),
        'cluster',
        ...['--ws', '1', '--tcp', '1', '--logic', '1', '--route', '1'],
        ...['--mysql-uri', DEFAULT_MYSQL_SERVER_URI, '--database', database, '--prefix', prefix],
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let pids: number[] = [];
    try {
      await waitFor('the cluster to be ready', () => out.includes('Stop with Ctrl-C'), 90_000, 200);
      const ws = /WebSocket\s+(ws:\/\/\S+)/.exec(out)![1]!;
      expect(out).toMatch(/TCP\s+tcp:\/\/127\.0\.0\.1:\d+/);
      const rows = [...out.matchAll(/^\s+(route-1|logic-1|ws-1|tcp-1)\s+(\d+)\s+\S+\s+(http:\/\/\S+)/gm)];
      pids = rows.map((r) => Number(r[2]));
      expect(rows.map((r) => r[1]).sort()).toEqual(['logic-1', 'route-1', 'tcp-1', 'ws-1']);
      for (const [, name, , health] of rows) {
        expect((await fetch(`${health}/readyz`)).status, name).toBe(200);
      }
      expect(out).toContain(`npx switchboard token --app demo`);
      // The WebSocket port answers /readyz too.
      expect((await fetch(`${ws.replace(/^ws/, 'http').replace(/\/ws$/, '')}/readyz`)).status).toBe(200);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('cluster stopped');
      for (const [, name, pid] of rows) expect(alive(Number(pid)), name).toBe(false);
    } finally {
      // The services run in their own process groups: a failed test must not leave them behind.
      child.kill('SIGKILL');
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});
