import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from './duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
  ])('%s is %i seconds', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it.each(['', '1y', '-5m', '0s', 'h'])('rejects %j', (text) =>
    expect(() => parseDurationSeconds(text)).toThrow(/invalid duration/),
  );
});
