import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';
import { catchConfigError, repoConfigDir, TEST_INTERNAL_SECRET } from './test-support.js';

const load = (profile: string, env: Record<string, string> = {}) =>
  loadConfig({ configDir: repoConfigDir, profile, env });

describe('internal.secret (issue 7: internal calls are authenticated)', () => {
  it('stops a production start without a secret, naming the key and the variable', () => {
    const error = catchConfigError(() => load('production'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems).toEqual([
      'config: internal.secret: expected a shared secret of at least 32 characters in the production profile ' +
        '(set SWITCHBOARD_INTERNAL__SECRET, e.g. to the output of `openssl rand -base64 48`), ' +
        'got "" (from config/production.yaml)',
    ]);
  });

  it('stops a start with a short secret without printing it', () => {
    const short = 'hunter2-is-not-long-enough';
    const error = catchConfigError(() => load('production', { SWITCHBOARD_INTERNAL__SECRET: short }));
    expect(error.problems).toEqual([
      'config: internal.secret: expected every secret to be at least 32 characters ' +
        '(set SWITCHBOARD_INTERNAL__SECRET, e.g. to the output of `openssl rand -base64 48`), ' +
        `got a value of ${short.length} characters (from SWITCHBOARD_INTERNAL__SECRET)`,
    ]);
    expect(error.message).not.toContain(short);
    // Every entry of a rotation list must be long enough, in every profile.
    const listed = catchConfigError(() =>
      load('embedded', { SWITCHBOARD_INTERNAL__SECRET: `${TEST_INTERNAL_SECRET},${short}` }),
    );
    expect(listed.message).toContain('config: internal.secret: expected every secret');
    expect(listed.message).not.toContain(short);
  });

  it('keeps a given secret, or a comma-separated list of them', () => {
    expect(load('production', { SWITCHBOARD_INTERNAL__SECRET: TEST_INTERNAL_SECRET }).internal.secret).toBe(
      TEST_INTERNAL_SECRET,
    );
    const rotation = `${TEST_INTERNAL_SECRET}-new,${TEST_INTERNAL_SECRET}`;
    expect(load('production', { SWITCHBOARD_INTERNAL__SECRET: rotation }).internal.secret).toBe(rotation);
  });

  it('makes a random secret for each run of the embedded profile when none is set', () => {
    const first = load('embedded').internal.secret;
    const second = load('embedded').internal.secret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(first).not.toBe(second);
  });

  it('requires the PEM files when mutual TLS (internal.tls) is on', () => {
    const error = catchConfigError(() => load('embedded', { SWITCHBOARD_INTERNAL__TLS__ENABLED: 'true' }));
    expect(error.problems).toEqual(
      ['caFile', 'certFile', 'keyFile'].map(
        (key) =>
          `config: internal.tls.${key}: expected a file path when internal.tls.enabled is true, got "" (from config/default.yaml)`,
      ),
    );
  });

  it('is masked when the configuration is logged', () => {
    const config = load('production', { SWITCHBOARD_INTERNAL__SECRET: TEST_INTERNAL_SECRET });
    expect(redactConfig(config).internal.secret).toBe('***');
    expect(JSON.stringify(redactConfig(config))).not.toContain(TEST_INTERNAL_SECRET);
  });
});
