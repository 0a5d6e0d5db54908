import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from './create-logger.js';
import { childFor } from './child-for.js';
import { memoryDestination } from './memory-destination.js';

function setup(options: Partial<LoggerOptions> = {}) {
  const destination = memoryDestination();
  const logger = createLogger({ level: 'info', service: 'gate', destination, ...options });
  return { logger, lines: destination.lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the service field', () => {
    const { logger, lines } = setup();
    logger.info({ port: 7100 }, 'listening');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'gate', port: 7100, msg: 'listening', level: 30 });
    expect(typeof lines[0]?.time).toBe('number');
  });

  it('respects the level', () => {
    const { logger, lines } = setup({ level: 'warn' });
    logger.info('dropped');
    logger.debug('dropped too');
    logger.warn('kept');
    logger.error('kept too');
    expect(lines.map((l) => l.msg)).toEqual(['kept', 'kept too']);
  });

  it('redacts the internal secret (internal.secret) wherever a config section is logged', () => {
    const { logger, lines } = setup();
    const secret = 'internal-secret-0123456789abcdef0123';
    logger.info({ internal: { secret } }, 'one level');
    logger.info({ config: { internal: { secret } } }, 'two levels');
    logger.info({ secret }, 'top level');
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(lines.map((l) => JSON.stringify(l).includes('[REDACTED]'))).toEqual([true, true, true]);
  });

  it('writes nothing when silent', () => {
    const { logger, lines } = setup({ level: 'silent' });
    logger.fatal('nobody hears this');
    expect(lines).toEqual([]);
  });

  it('uses level names and ISO times when pretty', () => {
    const { logger, lines } = setup({ pretty: true });
    logger.info('hello');
    expect(lines[0]?.level).toBe('info');
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('redacts secrets at the top level and nested', () => {
    const { logger, lines } = setup();
    logger.info(
      {
        token: 'jwt-top',
        password: 'pw',
        apiKey: 'key',
        signIn: { userId: 'u1', token: 'jwt-nested' },
        app: { secret: 's3cret' },
        req: { headers: { authorization: 'Bearer abc', host: 'x' } },
      },
      'signed in',
    );
    const line = lines[0] ?? {};
    expect(line).toMatchObject({
      token: '[REDACTED]',
      password: '[REDACTED]',
      apiKey: '[REDACTED]',
      signIn: { userId: 'u1', token: '[REDACTED]' },
      app: { secret: '[REDACTED]' },
      req: { headers: { authorization: '[REDACTED]', host: 'x' } },
    });
    expect(JSON.stringify(line)).not.toMatch(/jwt-top|jwt-nested|s3cret|Bearer abc|"pw"|"key"/);
  });

  it('redacts secrets bound on a child logger', () => {
    const { logger, lines } = setup();
    childFor(logger, { conn: 1, token: 'leak-me' }).info('x');
    expect(lines[0]?.token).toBe('[REDACTED]');
  });

  it('redacts extra paths given by the caller', () => {
    const { logger, lines } = setup({ redact: ['dsn'] });
    logger.info({ dsn: 'mysql://root:pw@db/x' }, 'x');
    expect(lines[0]?.dsn).toBe('[REDACTED]');
  });
});
