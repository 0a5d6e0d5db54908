import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigOptions } from './load-config.js';
import { catchConfigError, repoConfigDir, scratchConfigDir } from './test-support.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function failWith(options: LoadConfigOptions) {
  return catchConfigError(() => loadConfig({ configDir: repoConfigDir, env: {}, ...options }));
}

describe('loadConfig: validation errors', () => {
  it('names the key path, the expectation, the value and the variable it came from', () => {
    const error = failWith({ env: { SWITCHBOARD_GATE__WS__PORT: 'abc' } });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'config: gate.ws.port: expected number between 0 and 65535, got "abc" (from SWITCHBOARD_GATE__WS__PORT)',
    );
    expect(error.problems).toEqual([error.message]);
  });

  it('rejects out-of-range numbers and fractions', () => {
    expect(failWith({ env: { SWITCHBOARD_LOGIC__HTTP_PORT: '70000' } }).message).toBe(
      'config: logic.httpPort: expected number between 0 and 65535, got 70000 (from SWITCHBOARD_LOGIC__HTTP_PORT)',
    );
    expect(failWith({ overrides: { gate: { signInTimeoutMs: 1.5 } } }).message).toBe(
      'config: gate.signInTimeoutMs: expected whole number of milliseconds >= 1, got 1.5 (from overrides)',
    );
  });

  it('names the file a bad value came from', () => {
    const { dir, cleanup } = scratchConfigDir({ 'bad.yaml': 'route:\n  store: redsi\n' });
    cleanups.push(cleanup);
    const error = catchConfigError(() => loadConfig({ configDir: dir, env: {}, profile: 'bad' }));
    expect(error.message).toBe(
      `config: route.store: expected one of "memory", "redis", got "redsi" (from ${join(dir, 'bad.yaml')})`,
    );
  });

  it('rejects unknown keys at any depth and suggests the likely one', () => {
    const error = failWith({
      env: { SWITCHBOARD_GATE__WS__PROT: '9000' },
      overrides: { logic: { sendBatchMaxDelay: 2 } } as never,
    });
    expect(error.problems).toEqual([
      'config: gate.ws.prot: unknown key (did you mean "port"?) (from SWITCHBOARD_GATE__WS__PROT)',
      'config: logic.sendBatchMaxDelay: unknown key (did you mean "sendBatchMaxDelayMs"?) (from overrides)',
    ]);
  });

  it('rejects an unknown top-level section', () => {
    const error = failWith({ env: { SWITCHBOARD_GAET__PORT: '1' } });
    expect(error.message).toBe(
      'config: gaet: unknown key (did you mean "gate"?) (from SWITCHBOARD_GAET__PORT)',
    );
  });

  it('reports every problem, one line each', () => {
    const error = failWith({
      env: { SWITCHBOARD_LOG__LEVEL: 'loud', SWITCHBOARD_GATE__WS__PER_MESSAGE_DEFLATE: 'yes' },
    });
    expect(error.problems).toEqual([
      'config: log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud" (from SWITCHBOARD_LOG__LEVEL)',
      'config: gate.ws.perMessageDeflate: expected true or false, got "yes" (from SWITCHBOARD_GATE__WS__PER_MESSAGE_DEFLATE)',
    ]);
    expect(error.message.split('\n')).toHaveLength(2);
  });

  it('reports a bad list element by index', () => {
    const error = failWith({ env: { SWITCHBOARD_GATE__WS__ALLOWED_ORIGINS: '["https://a", 5]' } });
    expect(error.message).toBe(
      'config: gate.ws.allowedOrigins[1]: expected a string, got 5 (from SWITCHBOARD_GATE__WS__ALLOWED_ORIGINS)',
    );
  });

  it('reports a key missing from an incomplete default file', () => {
    const complete = readFileSync(join(repoConfigDir, 'default.yaml'), 'utf8');
    const withoutRedis = complete.slice(0, complete.indexOf('\nredis:'));
    const { dir, cleanup } = scratchConfigDir({ 'default.yaml': withoutRedis });
    cleanups.push(cleanup);
    const error = catchConfigError(() => loadConfig({ configDir: dir, env: {}, profile: 'default' }));
    expect(error.message).toBe(
      'config: redis: expected a section (a mapping of keys to values), got nothing (the key is missing)',
    );
  });

  it('checks values against each other', () => {
    const error = failWith({
      overrides: { gate: { heartbeatIntervalMs: 60000, heartbeatTimeoutMs: 30000 } },
    });
    expect(error.message).toBe(
      'config: gate.heartbeatTimeoutMs: expected more than gate.heartbeatIntervalMs (60000), got 30000 (from overrides)',
    );
    expect(failWith({ env: { SWITCHBOARD_GATE__LEASE_RENEW_MS: '20000' } }).message).toBe(
      'config: gate.leaseRenewMs: expected less than gate.leaseTtlMs (15000), got 20000 (from SWITCHBOARD_GATE__LEASE_RENEW_MS)',
    );
  });

  it('requires certificate files when TLS is on', () => {
    const error = failWith({ env: { SWITCHBOARD_GATE__WS__TLS__ENABLED: 'true' } });
    expect(error.problems).toEqual([
      'config: gate.ws.tls.certFile: expected a file path when tls.enabled is true, got "" (from config/default.yaml)',
      'config: gate.ws.tls.keyFile: expected a file path when tls.enabled is true, got "" (from config/default.yaml)',
    ]);
  });

  it('attributes a value to the variable that replaced its whole section', () => {
    const error = failWith({ env: { SWITCHBOARD_GATE__RATE_LIMIT: '{"packetsPerSecond":0,"burst":5}' } });
    expect(error.message).toBe(
      'config: gate.rateLimit.packetsPerSecond: expected whole number between 1 and 2147483647, got 0 (from SWITCHBOARD_GATE__RATE_LIMIT)',
    );
  });

  it('masks the password of a URI in the message', () => {
    const error = failWith({ env: { SWITCHBOARD_MYSQL__URI: 'postgres://root:hunter2@db/x' } });
    expect(error.message).toBe(
      'config: mysql.uri: expected a mysql:// URI, got "postgres://root:***@db/x" (from SWITCHBOARD_MYSQL__URI)',
    );
  });
});
