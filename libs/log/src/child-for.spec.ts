import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from './create-logger.js';
import { childFor } from './child-for.js';
import { memoryDestination } from './memory-destination.js';

function setup(options: Partial<LoggerOptions> = {}) {
  const destination = memoryDestination();
  const logger = createLogger({ level: 'info', service: 'gate', destination, ...options });
  return { logger, lines: destination.lines };
}

describe('childFor', () => {
  it('adds the bindings to every line and keeps the service', () => {
    const { logger, lines } = setup();
    const conn = childFor(logger, { gate: 'g1', conn: 42 });
    const user = childFor(conn, { app: 'a1', user: 'alice', device: undefined });
    user.info('signed in');
    expect(lines[0]).toMatchObject({ service: 'gate', gate: 'g1', conn: 42, app: 'a1', user: 'alice' });
    expect(lines[0]).not.toHaveProperty('device');
  });

  it('inherits the parent level', () => {
    const { logger, lines } = setup({ level: 'error' });
    childFor(logger, { conn: 1 }).info('dropped');
    expect(lines).toEqual([]);
  });
});
