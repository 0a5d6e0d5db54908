import { describe, expect, it } from 'vitest';
import { envNameToPath, envOverrides, pathToEnvName } from './env-overrides.js';
import { loadConfig } from './load-config.js';
import { catchConfigError, repoConfigDir, TEST_INTERNAL_SECRET } from './test-support.js';

describe('envNameToPath', () => {
  it('splits levels on "__" and turns SNAKE_CASE into camelCase', () => {
    expect(envNameToPath('SWITCHBOARD_GATE__WS__PORT')).toEqual(['gate', 'ws', 'port']);
    expect(envNameToPath('SWITCHBOARD_GATE__RATE_LIMIT__PACKETS_PER_SECOND')).toEqual([
      'gate',
      'rateLimit',
      'packetsPerSecond',
    ]);
    expect(envNameToPath('SWITCHBOARD_DATA_DIR')).toEqual(['dataDir']);
    expect(envNameToPath('SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS')).toEqual(['gateClient', 'logicAddress']);
  });

  it('is the inverse of pathToEnvName', () => {
    for (const path of [['gate', 'ws', 'allowedOrigins'], ['logic', 'sendBatchMaxDelayMs'], ['dataDir']]) {
      expect(envNameToPath(pathToEnvName(path))).toEqual(path);
    }
    expect(pathToEnvName(['gate', 'heartbeatTimeoutMs'])).toBe('SWITCHBOARD_GATE__HEARTBEAT_TIMEOUT_MS');
  });

  it('refuses names with empty levels', () => {
    for (const name of [
      'SWITCHBOARD_GATE____PORT',
      'SWITCHBOARD_GATE__',
      'SWITCHBOARD___X',
      'SWITCHBOARD_GATE__WS_',
    ]) {
      const error = catchConfigError(() => envNameToPath(name));
      expect(error.code).toBe('CONFIG_ENV_INVALID');
      expect(error.message).toContain(name);
    }
  });
});

describe('envOverrides', () => {
  it('parses values as JSON when they parse, else keeps the text', () => {
    const overrides = envOverrides({
      SWITCHBOARD_A: '9000',
      SWITCHBOARD_B: 'true',
      SWITCHBOARD_C: '["x","y"]',
      SWITCHBOARD_D: 'hello world',
      SWITCHBOARD_E: '',
    });
    expect(overrides.map((o) => [o.path.join('.'), o.value])).toEqual([
      ['a', 9000],
      ['b', true],
      ['c', ['x', 'y']],
      ['d', 'hello world'],
      ['e', ''],
    ]);
  });

  it('ignores other variables and the loading controls', () => {
    const overrides = envOverrides({
      PATH: '/bin',
      switchboard_lower: '1',
      SWITCHBOARD_PROFILE: 'production',
      SWITCHBOARD_CONFIG_DIR: '/etc/sb',
      SWITCHBOARD_CONFIG_FILE: '/etc/sb/site.yaml',
      SWITCHBOARD_LOG__LEVEL: 'debug',
    });
    expect(overrides.map((o) => o.name)).toEqual(['SWITCHBOARD_LOG__LEVEL']);
  });
});

describe('loadConfig with SWITCHBOARD_* variables', () => {
  const load = (env: Record<string, string>) =>
    loadConfig({
      configDir: repoConfigDir,
      profile: 'production',
      env: { SWITCHBOARD_INTERNAL__SECRET: TEST_INTERNAL_SECRET, ...env },
    });

  it('overrides nested keys with typed values', () => {
    const config = load({
      SWITCHBOARD_GATE__WS__PORT: '9000',
      SWITCHBOARD_GATE__WS__PER_MESSAGE_DEFLATE: 'true',
      SWITCHBOARD_GATE__RATE_LIMIT__BURST: '500',
      SWITCHBOARD_LOG__LEVEL: 'debug',
      SWITCHBOARD_DATA_DIR: '/var/lib/switchboard',
    });
    expect(config.gate.ws.port).toBe(9000);
    expect(config.gate.ws.perMessageDeflate).toBe(true);
    expect(config.gate.rateLimit).toEqual({ packetsPerSecond: 50, burst: 500 });
    expect(config.log.level).toBe('debug');
    expect(config.dataDir).toBe('/var/lib/switchboard');
    expect(config.gate.tcp.port).toBe(7100);
  });

  it('sets lists from JSON or from comma-separated text', () => {
    expect(
      load({ SWITCHBOARD_GATE__WS__ALLOWED_ORIGINS: '["https://a.example","https://b.example"]' }).gate.ws
        .allowedOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(
      load({ SWITCHBOARD_GATE__WS__ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).gate.ws
        .allowedOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(load({ SWITCHBOARD_GATE__WS__ALLOWED_ORIGINS: '[]' }).gate.ws.allowedOrigins).toEqual([]);
  });

  it('keeps the text of a value that looks like JSON where a string is expected', () => {
    const config = load({ SWITCHBOARD_GATE__ID: '42', SWITCHBOARD_REDIS__KEY_PREFIX: 'true' });
    expect(config.gate.id).toBe('42');
    expect(config.redis.keyPrefix).toBe('true');
  });

  it('merges a JSON object into a section', () => {
    const config = load({ SWITCHBOARD_GATE__RATE_LIMIT: '{"packetsPerSecond":5,"burst":10}' });
    expect(config.gate.rateLimit).toEqual({ packetsPerSecond: 5, burst: 10 });
  });

  it('wins over the profile and loses to programmatic overrides', () => {
    const config = loadConfig({
      configDir: repoConfigDir,
      profile: 'production',
      env: {
        SWITCHBOARD_ROUTE__STORE: 'memory',
        SWITCHBOARD_LOGIC__STORAGE: 'sqlite',
        SWITCHBOARD_INTERNAL__SECRET: TEST_INTERNAL_SECRET,
      },
      overrides: { logic: { storage: 'mysql' } },
    });
    expect(config.route.store).toBe('memory');
    expect(config.logic.storage).toBe('mysql');
  });
});
