import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, memoryDestination } from '@switchboard/log';
import { startSuite, type Suite } from '@switchboard/standalone/suite';
import type { Storage } from '@switchboard/storage';
import { testToken } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { embeddedTestConfig } from './embedded-config.js';
import { groupScenarios, type GroupTarget } from './group-scenarios.js';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster.js';

/** Low, so that the switch to read fan-out happens within a test's few members. */
const LARGE_GROUP_MIN_MEMBERS = 8;

/** An app with a key, created the way the CLI does it. */
async function app(storage: Storage): Promise<Pick<GroupTarget, 'appId' | 'apiKey' | 'token'>> {
  const appId = `chat-${randomBytes(3).toString('hex')}`;
  const tokenSecret = randomBytes(32).toString('base64url');
  await storage.apps.create({ appId, name: appId, tokenSecret });
  const { key } = await storage.apiKeys.create({ appId, name: 'test' });
  return { appId, apiKey: key, token: (user, device) => testToken(appId, user, tokenSecret, '1h', device) };
}

describe('groups on the embedded suite (SQLite, memory route store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-groups-'));
  const logs = memoryDestination();
  let suite: Suite;
  let target: GroupTarget;

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir, { logic: { largeGroupMinMembers: LARGE_GROUP_MIN_MEMBERS } });
    suite = await startSuite(config, createLogger({ level: 'info', service: 'e2e', destination: logs }));
    target = {
      api: suite.api.http,
      gateUrls: [suite.tcpUrl, suite.wsUrl],
      largeGroupMinMembers: LARGE_GROUP_MIN_MEMBERS,
      ...(await app(suite.storage)),
    };
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(logs.lines.filter((l) => Number(l['level']) >= 50)).toEqual([]);
  });

  groupScenarios(() => target);
});

describe('groups on the distributed suite (MariaDB, Redis, a TCP and a WS gateway, two logic, two route)', () => {
  let scratch: ScratchCluster | undefined;
  let target: GroupTarget;

  beforeAll(async () => {
    scratch = await startScratchCluster('groups', {
      ws: 1,
      tcp: 1,
      logic: 2,
      route: 2,
      env: {
        SWITCHBOARD_LOG__LEVEL: 'warn',
        SWITCHBOARD_LOGIC__LARGE_GROUP_MIN_MEMBERS: String(LARGE_GROUP_MIN_MEMBERS),
      },
    });
    const { cluster, storage } = scratch;
    target = {
      api: cluster.apis[0]!.http,
      gateUrls: [...cluster.tcpUrls, ...cluster.wsUrls],
      largeGroupMinMembers: LARGE_GROUP_MIN_MEMBERS,
      ...(await app(storage)),
    };
  }, 120_000);

  afterAll(() => scratch?.stop(), 60_000);

  groupScenarios(() => target);
});
