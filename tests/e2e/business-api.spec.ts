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
import { businessApiScenarios, type BusinessTarget } from './business-api-scenarios.js';
import { roomAndTagScenarios } from './room-tag-scenarios.js';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster.js';

/** Two apps with a key each, created the way the CLI does it; tokens signed with their secrets. */
async function twoApps(storage: Storage): Promise<BusinessTarget['apps']> {
  const make = async (appId: string) => {
    const tokenSecret = randomBytes(32).toString('base64url');
    await storage.apps.create({ appId, name: appId, tokenSecret });
    const { key } = await storage.apiKeys.create({ appId, name: 'test' });
    return {
      appId,
      apiKey: key,
      token: (user: string, device?: string) => testToken(appId, user, tokenSecret, '1h', device),
    };
  };
  return {
    a: await make(`shop-${randomBytes(3).toString('hex')}`),
    b: await make(`bank-${randomBytes(3).toString('hex')}`),
  };
}

describe('business API on the embedded suite (SQLite, memory route store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-business-'));
  const logs = memoryDestination();
  let suite: Suite;
  let target: BusinessTarget;

  beforeAll(async () => {
    const config = embeddedTestConfig(dataDir, {
      logic: { offlinePush: { backoffBaseMs: 50, backoffMaxMs: 500 } },
    });
    suite = await startSuite(config, createLogger({ level: 'info', service: 'e2e', destination: logs }));
    target = {
      setWebhook: async (appId, url, secret) =>
        void (await suite.storage.apps.updateSettings(appId, { webhookUrl: url, webhookSecret: secret })),
      api: suite.api.http,
      grpc: suite.api.grpc,
      gateUrls: [suite.tcpUrl, suite.wsUrl],
      apps: await twoApps(suite.storage),
    };
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // Nothing any scenario sent was a server fault.
    expect(logs.lines.filter((l) => Number(l['level']) >= 50)).toEqual([]);
  });

  businessApiScenarios(() => target);
  roomAndTagScenarios(() => target);
});

describe('business API on the distributed suite (MariaDB, Redis, two logic and two route instances)', () => {
  let scratch: ScratchCluster | undefined;
  let target: BusinessTarget;

  beforeAll(async () => {
    scratch = await startScratchCluster('biz', {
      ws: 1,
      tcp: 1,
      logic: 2,
      route: 2,
      env: {
        SWITCHBOARD_LOG__LEVEL: 'warn',
        SWITCHBOARD_LOGIC__OFFLINE_PUSH__BACKOFF_BASE_MS: '50',
        SWITCHBOARD_LOGIC__OFFLINE_PUSH__BACKOFF_MAX_MS: '500',
      },
    });
    const { cluster, storage } = scratch;
    // The scenarios call logic-1 while clients sit on gates wired to either logic and route.
    target = {
      setWebhook: async (appId, url, secret) =>
        void (await storage.apps.updateSettings(appId, { webhookUrl: url, webhookSecret: secret })),
      api: cluster.apis[0]!.http,
      grpc: cluster.apis[1]!.grpc,
      gateUrls: [...cluster.tcpUrls, ...cluster.wsUrls],
      apps: await twoApps(storage),
    };
  }, 120_000);

  afterAll(() => scratch?.stop(), 60_000);

  businessApiScenarios(() => target);
  roomAndTagScenarios(() => target);
});
