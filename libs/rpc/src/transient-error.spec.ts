import { describe, expect, it } from 'vitest';
import { isTransientError } from './transient-error.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('isTransientError', () => {
  it('recognises network, MySQL and Redis outages', () => {
    for (const err of [
      withCode('connect ECONNREFUSED 127.0.0.1:3306', 'ECONNREFUSED'),
      withCode('getaddrinfo EAI_AGAIN redis', 'EAI_AGAIN'),
      withCode('Connection lost: The server closed the connection.', 'PROTOCOL_CONNECTION_LOST'),
      withCode('Too many connections', 'ER_CON_COUNT_ERROR'),
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 2).'),
      named('ClusterAllFailedError', 'Failed to refresh slots cache.'),
      new Error('Connection is closed.'),
      named('ReplyError', 'LOADING Redis is loading the dataset in memory'),
      named('ReplyError', 'CLUSTERDOWN The cluster is down'),
      Object.assign(new Error('transaction aborted by concurrent writers 8 times'), { transient: true }),
      new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
    ]) {
      expect(isTransientError(err), err.message).toBe(true);
    }
  });

  it('leaves bugs and misconfiguration alone', () => {
    for (const err of [
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      withCode("Access denied for user 'x'@'y'", 'ER_ACCESS_DENIED_ERROR'),
      named('ReplyError', 'ERR unknown command'),
      Object.assign(new Error('bad argument'), { transient: false }),
      'not an error',
      undefined,
    ]) {
      expect(isTransientError(err)).toBe(false);
    }
  });
});
