// Recognised by shape, not by class: this library imports no database or Redis driver.

/** Node socket and DNS error codes: the peer (database, Redis, another service) could not be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** mysql2 codes of a lost or refused connection, and MySQL errors that say "not now". */
const MYSQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
]);

/** ioredis error names: commands gave up while the connection was down, or no cluster node answered. */
const REDIS_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** ioredis messages of a closed connection or a command that hit `commandTimeout`. */
const REDIS_MESSAGES = /^(Connection is closed\.|Command timed out|Stream isn't writeable)/;

/** Redis replies that mean "this node cannot serve right now" (loading, failover, cluster resharding). */
const REDIS_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY) /;

/**
 * True when `err` (or an error in its `cause` chain) is an outage of something the request needs
 * rather than a bug: a network error, a lost or refused database or Redis connection, or an error
 * that marks itself `transient: true` (e.g. `StorageError` `CONFLICT`). Such failures reach callers
 * as UNAVAILABLE, which says "retry, possibly elsewhere", instead of INTERNAL.
 */
export function isTransientError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const fields = e as Error & { code?: unknown; transient?: unknown };
    if (fields.transient === true) return true;
    if (typeof fields.code === 'string' && (NETWORK_CODES.has(fields.code) || MYSQL_CODES.has(fields.code))) {
      return true;
    }
    if (REDIS_NAMES.has(e.name) || REDIS_MESSAGES.test(e.message) || REDIS_REPLIES.test(e.message))
      return true;
  }
  return false;
}
