import { describe, expect, it } from 'vitest';
import {
  API_KEY_LENGTH,
  apiKeyMatches,
  constantTimeEqual,
  generateApiKey,
  hashApiKey,
  parseApiKey,
} from './api-key.js';

describe('API key format', () => {
  it('generates sb_<keyId>_<secret> keys that parse back to their id', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { keyId, key } = generateApiKey();
      expect(keyId).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(key).toMatch(/^sb_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(parseApiKey(key)).toEqual({ keyId });
      seen.add(keyId);
    }
    expect(seen.size).toBe(200);
  });

  it.each([
    '',
    'sb_',
    'sb_short_secret',
    'xx_AAAAAAAAAAAA_' + 'a'.repeat(43),
    'sb_AAAAAAAAAAA-_' + 'a'.repeat(43),
    'sb_AAAAAAAAAAAA_' + 'a'.repeat(42),
    'sb_AAAAAAAAAAAA_' + 'a'.repeat(44),
    'sb_AAAAAAAAAAAA_' + 'a'.repeat(42) + '=',
    'sb_AAAAAAAAAAAA_' + 'a'.repeat(100_000),
  ])('refuses the malformed key %#', (key) => {
    expect(parseApiKey(key)).toBeUndefined();
  });

  it('refuses what is not a string without throwing', () => {
    for (const value of [undefined, null, 42, {}, ['sb_']]) expect(parseApiKey(value)).toBeUndefined();
  });

  it('hashes with hex SHA-256 and compares in constant time', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const { key } = generateApiKey();
    expect(apiKeyMatches(key, hashApiKey(key))).toBe(true);
    expect(apiKeyMatches(generateApiKey().key, hashApiKey(key))).toBe(false);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
