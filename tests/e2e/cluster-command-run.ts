import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MYSQL_SERVER_URI, dropMysqlDatabase } from '@switchboard/storage';
import { deleteRedisKeys, waitFor } from '@switchboard/testing';
import { expect } from 'vitest';

const root = join(import.meta.dirname, '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One service as the command's table printed it, and the app it runs. */
export interface ListedService {
  name: string;
  app: string;
  pid: number;
  health: string;
}

const APP_OF: Record<string, string> = {
  'route-1': 'route',
  'logic-1': 'logic',
  'ws-1': 'ws-conn',
  'tcp-1': 'tcp-conn',
};

/** A process's command line (Linux), its arguments joined by spaces. */
export function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/**
 * `npm run cluster -- <extra>` as a person runs it: the smallest cluster on a database and Redis
 * prefix of its own, checked once it says it is ready (every service's /readyz, the WebSocket port's
 * too), then `check`ed, then stopped with SIGINT (Ctrl-C): the command exits 0 and every service is
 * gone. The database and the keys are removed after.
 */
export async function runClusterCommand(
  extra: readonly string[],
  check: (services: ListedService[], output: string) => void | Promise<void>,
): Promise<void> {
  const database = `sb_cli_${randomBytes(6).toString('hex')}`;
  const prefix = `sbcli-${randomBytes(4).toString('hex')}`;
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
      ...extra,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let services: ListedService[] = [];
  try {
    await waitFor('the cluster to be ready', () => out.includes('Stop with Ctrl-C'), 90_000, 200);
    const ws = /WebSocket\s+(ws:\/\/\S+)/.exec(out)![1]!;
    expect(out).toMatch(/TCP\s+tcp:\/\/127\.0\.0\.1:\d+/);
    services = [...out.matchAll(/^\s+(route-1|logic-1|ws-1|tcp-1)\s+(\d+)\s+\S+\s+(http:\/\/\S+)/gm)].map(
      (r) => ({ name: r[1]!, app: APP_OF[r[1]!]!, pid: Number(r[2]), health: r[3]! }),
    );
    expect(services.map((s) => s.name).sort()).toEqual(['logic-1', 'route-1', 'tcp-1', 'ws-1']);
    for (const s of services) expect((await fetch(`${s.health}/readyz`)).status, s.name).toBe(200);
    expect(out).toContain(`npx switchboard token --app demo`);
    // The WebSocket port answers /readyz too.
    expect((await fetch(`${ws.replace(/^ws/, 'http').replace(/\/ws$/, '')}/readyz`)).status).toBe(200);
    await check(services, out);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('cluster stopped');
    for (const s of services) expect(alive(s.pid), s.name).toBe(false);
  } finally {
    // The services run in their own process groups: a failed test must not leave them behind.
    child.kill('SIGKILL');
    for (const s of services) if (alive(s.pid)) process.kill(s.pid, 'SIGKILL');
    await dropMysqlDatabase(`${DEFAULT_MYSQL_SERVER_URI}/${database}`);
    await deleteRedisKeys('redis://127.0.0.1:6379', prefix);
  }
}
