import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { maskUriPassword, redactConfig } from './redact-config.js';
import { repoConfigDir } from './test-support.js';

describe('maskUriPassword', () => {
  it('masks the password and keeps user, host and path', () => {
    expect(maskUriPassword('mysql://sb:s3cr%40t@db:3306/switchboard')).toBe(
      'mysql://sb:***@db:3306/switchboard',
    );
    expect(maskUriPassword('rediss://:pw@cache:6380/0')).toBe('rediss://:***@cache:6380/0');
  });

  it('leaves URIs without a password and plain text alone', () => {
    expect(maskUriPassword('mysql://root@127.0.0.1:3306/switchboard')).toBe(
      'mysql://root@127.0.0.1:3306/switchboard',
    );
    expect(maskUriPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUriPassword('127.0.0.1:7500')).toBe('127.0.0.1:7500');
  });

  it('masks URIs inside longer text', () => {
    expect(maskUriPassword('got "mysql://a:b@h/x" and redis://:c@h')).toBe(
      'got "mysql://a:***@h/x" and redis://:***@h',
    );
  });
});

describe('redactConfig', () => {
  it('masks passwords in the loaded configuration without touching the original', () => {
    const config = loadConfig({
      configDir: repoConfigDir,
      env: {
        SWITCHBOARD_MYSQL__URI: 'mysql://sb:hunter2@db:3306/switchboard',
        SWITCHBOARD_REDIS__URL: 'redis://:redispw@cache:6379',
      },
    });
    const safe = redactConfig(config);
    expect(safe.mysql.uri).toBe('mysql://sb:***@db:3306/switchboard');
    expect(safe.redis.url).toBe('redis://:***@cache:6379');
    expect(JSON.stringify(safe)).not.toMatch(/hunter2|redispw/);
    expect(config.mysql.uri).toBe('mysql://sb:hunter2@db:3306/switchboard');
    expect(safe.gate).toEqual(config.gate);
  });

  it('masks values under secret-sounding keys at any depth', () => {
    const safe = redactConfig({
      apps: [{ id: 'a', secret: 'x', apiKey: 'k' }],
      tokenSecret: 't',
      empty: { password: '' },
    });
    expect(safe).toEqual({
      apps: [{ id: 'a', secret: '***', apiKey: '***' }],
      tokenSecret: '***',
      empty: { password: '' },
    });
  });
});
