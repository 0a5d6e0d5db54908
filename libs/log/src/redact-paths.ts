/**
 * Field names whose values are secrets wherever they appear in a log line.
 * Anything that authenticates someone (client tokens, app secrets, business API keys,
 * HTTP Authorization headers, database passwords) belongs here.
 */
export const SECRET_FIELDS = [
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'appSecret',
  'password',
  'apiKey',
  'authorization',
  'cookie',
] as const;

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * pino `redact` paths for {@link SECRET_FIELDS}: at the top level of a log object and one or
 * two objects deep (`req.headers.authorization`, `{ signIn: { token } }`). Each `*` in a pino
 * path matches exactly one level, so deeper nesting must be spelled out; three levels covers
 * what services log without making every log call walk long path lists.
 */
export function secretRedactPaths(extra: readonly string[] = []): string[] {
  const paths: string[] = [];
  for (const field of SECRET_FIELDS) {
    paths.push(field, `*.${field}`, `*.*.${field}`);
  }
  return [...paths, ...extra];
}
