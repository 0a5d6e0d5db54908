import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SwitchboardClient } from '@switchboard/client/node';
import { createLogger } from '@switchboard/log';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import { testToken } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './clients.js';
import { embeddedTestConfig } from './embedded-config.js';

const run = promisify(execFile);
const doc = readFileSync(join(import.meta.dirname, '../../docs/business-api.md'), 'utf8');

/** Each curl example with the JSON answer printed after it. */
function examples(): Array<{ command: string; answer: unknown }> {
  const blocks = [...doc.matchAll(/```(sh|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2]! }));
  const out: Array<{ command: string; answer: unknown }> = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'sh' || !b.body.trimStart().startsWith('curl')) return;
    const next = blocks[i + 1];
    if (next?.lang !== 'json') throw new Error(`no answer printed after: ${b.body}`);
    out.push({ command: b.body, answer: JSON.parse(next.body) });
  });
  return out;
}

/**
 * Whether `got` has the shape of `printed`: the same keys with values of the same JSON types, arrays
 * item by item against the printed first item (an empty array on either side matches any array).
 */
function conforms(got: unknown, printed: unknown, path = '$'): string | undefined {
  if (Array.isArray(printed)) {
    if (!Array.isArray(got)) return `${path}: expected an array`;
    if (printed.length === 0) return undefined;
    for (const [i, item] of got.entries()) {
      const bad = conforms(item, printed[0], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (printed && typeof printed === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) return `${path}: expected an object`;
    const keys = (o: object) => Object.keys(o).sort().join(',');
    // A map (like is_online's "online") has the user's keys, not fixed ones: compare its values only.
    const isMap = path.endsWith('.online');
    if (!isMap && keys(got) !== keys(printed))
      return `${path}: keys ${keys(got)} instead of ${keys(printed)}`;
    const sample = Object.values(printed)[0];
    for (const [k, v] of Object.entries(got as Record<string, unknown>)) {
      const bad = conforms(v, isMap ? sample : (printed as Record<string, unknown>)[k], `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return typeof got === typeof printed ? undefined : `${path}: ${typeof got} instead of ${typeof printed}`;
}

/**
 * docs/business-api.md as a reader uses it: every curl example runs, exactly as printed, against a
 * running suite (with the two variables the document tells the reader to set), and answers with the
 * shape the document prints after it.
 */
describe('docs/business-api.md examples', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-docs-'));
  let suite: Suite;
  let key = '';
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    // The shop app is an operator here: get_server_stats answers its key.
    const config = embeddedTestConfig(dataDir, {
      logic: { api: { httpPort: 0, grpcPort: 0, operatorApps: ['shop'] } },
    });
    suite = await startSuite(config, createLogger({ level: 'warn', service: 'docs' }));
    const secret = randomBytes(32).toString('base64url');
    await suite.storage.apps.create({ appId: 'shop', name: 'Shop', tokenSecret: secret });
    key = (await suite.storage.apiKeys.create({ appId: 'shop', name: 'docs' })).key;
    // The devices the examples talk about: alice's phone, mallory's, and a room viewer.
    for (const [user, device, platform] of [
      ['alice', 'phone', 'ios'],
      ['mallory', 'm1', 'android'],
      ['viewer', 'tv', 'web'],
    ] as const) {
      const c = await connect(suite.tcpUrl);
      await c.signIn({
        token: await testToken('shop', user, secret, '1h', device),
        deviceId: device,
        platform,
      });
      clients.push(c);
    }
    await clients[2]!.subscribeRoom('match-7');
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every example runs as printed and answers the printed shape', async () => {
    const list = examples();
    expect(list.length).toBeGreaterThanOrEqual(14);
    for (const { command, answer } of list) {
      const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${command}`], {
        env: { ...process.env, SWITCHBOARD_API: suite.api.http, SWITCHBOARD_API_KEY: key },
      });
      const got = JSON.parse(stdout) as Record<string, unknown>;
      expect(got['code'], `${command}\n${stdout}`).toBeUndefined();
      expect(conforms(got, answer), `${command}\n${stdout}`).toBeUndefined();
    }
  }, 60_000);

  it('prints the error body it documents', async () => {
    const res = await fetch(`${suite.api.http}/get_user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: '' }),
    });
    const printed = JSON.parse(/```json\n(\{ "code"[^\n]*)\n```/.exec(doc)![1]!) as object;
    expect(res.status).toBe(400);
    expect(conforms(await res.json(), printed)).toBeUndefined();
  });
});
