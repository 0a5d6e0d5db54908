import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from './load-config.js';
import { catchConfigError, repoConfigDir, scratchConfigDir, TEST_INTERNAL_SECRET } from './test-support.js';

const base = { configDir: repoConfigDir, env: {} };
/** What every profile but the embedded one needs in the environment. */
const secretEnv = { SWITCHBOARD_INTERNAL__SECRET: TEST_INTERNAL_SECRET };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function scratch(files: Record<string, string>) {
  const made = scratchConfigDir(files);
  cleanups.push(made.cleanup);
  return made.dir;
}

describe('loadConfig: defaults and profiles', () => {
  it('loads default.yaml alone and it validates, so it names every key', () => {
    const config = loadConfig({ ...base, profile: 'default' });
    const raw = parse(readFileSync(join(repoConfigDir, 'default.yaml'), 'utf8')) as typeof config;
    // The one difference: an empty internal secret is replaced by a random one.
    expect(raw.internal.secret).toBe('');
    expect(config).toEqual({ ...raw, internal: { ...raw.internal, secret: config.internal.secret } });
    expect(config.gate.signInTimeoutMs).toBe(10000);
    expect(config.gate.heartbeatIntervalMs).toBe(30000);
    expect(config.gate.heartbeatTimeoutMs).toBe(90000);
    expect(config.gate.maxFrameBytes).toBe(65536);
    expect(config.gate.sendQueueMaxBytes).toBe(1024 * 1024);
    expect(config.gate.rateLimit).toEqual({ packetsPerSecond: 50, burst: 100 });
    expect(config.gate.ws.path).toBe('/ws');
    expect(config.gate.ws.perMessageDeflate).toBe(false);
    expect(config.gate.ws.allowedOrigins).toEqual([]);
    expect(config.logic).toMatchObject({
      syncLimitMax: 200,
      syncMaxBytes: 256 * 1024,
      sendBatchMaxDelayMs: 1,
      sendBatchMaxSize: 256,
      maxContentBytes: 60000,
    });
    expect(config.sqlite.file).toBe('./data/switchboard.db');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'sb' });
  });

  it('uses the embedded profile when none is named', () => {
    const config = loadConfig(base);
    expect(config.profile).toBe('embedded');
    expect(config.route.store).toBe('memory');
    expect(config.logic.storage).toBe('sqlite');
    expect([
      config.gate.tcp.port,
      config.gate.ws.port,
      config.gate.grpcPort,
      config.route.grpcPort,
      config.logic.grpcPort,
      config.logic.httpPort,
      config.logic.api.httpPort,
      config.logic.api.grpcPort,
    ]).toEqual([7100, 7200, 7300, 7400, 7500, 7600, 7700, 7800]);
    expect(config.gateClient).toEqual({ logicAddress: '127.0.0.1:7500', routeAddress: '127.0.0.1:7400' });
  });

  it('takes the profile from SWITCHBOARD_PROFILE, and the argument over the variable', () => {
    expect(loadConfig({ ...base, env: { ...secretEnv, SWITCHBOARD_PROFILE: 'production' } }).profile).toBe(
      'production',
    );
    expect(
      loadConfig({ ...base, profile: 'embedded', env: { SWITCHBOARD_PROFILE: 'production' } }).profile,
    ).toBe('embedded');
  });

  it('merges the production profile over the defaults, keeping what it does not mention', () => {
    const config = loadConfig({ ...base, profile: 'production', env: secretEnv });
    expect(config.route.store).toBe('redis');
    expect(config.logic.storage).toBe('mysql');
    expect(config.gate.host).toBe('0.0.0.0');
    expect(config.gateClient.logicAddress).toBe('logic:7500');
    expect(config.gate.heartbeatTimeoutMs).toBe(90000);
    expect(config.gate.tcp.port).toBe(7100);
  });

  it("turns the web chat's dev-only token endpoint on in the embedded profile only", () => {
    expect(loadConfig({ ...base, profile: 'production', env: secretEnv }).logic.api.devChat.enabled).toBe(
      false,
    );
    expect(loadConfig({ ...base, profile: 'default', env: {} }).logic.api.devChat.enabled).toBe(false);
    expect(loadConfig({ ...base, profile: 'embedded', env: {} }).logic.api.devChat).toEqual({
      enabled: true,
      app: 'demo',
    });
  });

  it('applies an extra file, then the environment, then programmatic overrides', () => {
    const dir = scratch({
      'site.yaml': 'gate:\n  ws:\n    port: 8000\n    path: /chat\n  rateLimit:\n    burst: 7\n',
      'default-only.yaml': '',
    });
    const config = loadConfig({
      configDir: dir,
      profile: 'default',
      file: join(dir, 'site.yaml'),
      env: { SWITCHBOARD_GATE__WS__PORT: '9000' },
      overrides: { gate: { rateLimit: { packetsPerSecond: 3 } }, log: { level: 'silent' } },
    });
    expect(config.gate.ws.port).toBe(9000);
    expect(config.gate.ws.path).toBe('/chat');
    expect(config.gate.rateLimit).toEqual({ packetsPerSecond: 3, burst: 7 });
    expect(config.log.level).toBe('silent');
  });

  it('reads the extra file named by SWITCHBOARD_CONFIG_FILE', () => {
    const dir = scratch({ 'extra.yaml': 'logic:\n  syncLimitMax: 50\n' });
    const config = loadConfig({
      configDir: dir,
      profile: 'default',
      env: { SWITCHBOARD_CONFIG_FILE: join(dir, 'extra.yaml') },
    });
    expect(config.logic.syncLimitMax).toBe(50);
  });

  it('finds the config folder from SWITCHBOARD_CONFIG_DIR', () => {
    const dir = scratch({ 'custom.yaml': 'log:\n  level: debug\n' });
    expect(
      loadConfig({ env: { ...secretEnv, SWITCHBOARD_CONFIG_DIR: dir, SWITCHBOARD_PROFILE: 'custom' } }).log
        .level,
    ).toBe('debug');
  });

  it('finds the repository config folder from a nested working directory', () => {
    const config = loadConfig({ env: {}, cwd: join(repoConfigDir, '..', 'libs', 'config') });
    expect(config.profile).toBe('embedded');
  });

  it('does not let overrides leak between calls', () => {
    loadConfig({ ...base, overrides: { gate: { ws: { allowedOrigins: ['https://a'] } } } });
    expect(loadConfig(base).gate.ws.allowedOrigins).toEqual([]);
  });

  it('names the available profiles when the profile does not exist', () => {
    const error = catchConfigError(() => loadConfig({ ...base, profile: 'prod' }));
    expect(error.code).toBe('CONFIG_FILE_NOT_FOUND');
    expect(error.message).toContain('no profile "prod"');
    expect(error.message).toContain('available: default, embedded, production');
  });

  it('refuses a profile name that is a path', () => {
    const error = catchConfigError(() => loadConfig({ ...base, profile: '../etc/passwd' }));
    expect(error.code).toBe('CONFIG_FILE_NOT_FOUND');
    expect(error.message).toContain('expected a profile name');
  });

  it('reports a missing extra file and invalid YAML with the file name', () => {
    const dir = scratch({ 'broken.yaml': 'gate: [unclosed\n', 'list.yaml': '- a\n- b\n' });
    const missing = catchConfigError(() =>
      loadConfig({ configDir: dir, env: {}, profile: 'default', file: join(dir, 'nope.yaml') }),
    );
    expect(missing.code).toBe('CONFIG_FILE_NOT_FOUND');
    expect(missing.message).toContain('nope.yaml: file not found');
    const broken = catchConfigError(() => loadConfig({ configDir: dir, env: {}, profile: 'broken' }));
    expect(broken.code).toBe('CONFIG_FILE_INVALID');
    expect(broken.message).toMatch(/broken\.yaml: not valid YAML/);
    const list = catchConfigError(() => loadConfig({ configDir: dir, env: {}, profile: 'list' }));
    expect(list.message).toMatch(/list\.yaml: expected a mapping/);
  });
});
