import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Metadata, status } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSED_BODY } from './http-server.js';
import { businessRpcs } from './rpc-table.js';
import {
  BIG_ID,
  bearer,
  errorLines,
  grpcFailure,
  KEYS,
  post,
  rawRequest,
  startTestServer,
  type TestServer,
} from './test-fakes.js';

const rpcs = businessRpcs();

type UnaryMethod = (req: unknown, md: Metadata, cb: (err: Error | null, res?: unknown) => void) => void;

/** Calls `method` over gRPC with a request given in proto3 JSON. */
function grpcCall(s: TestServer, method: string, json: unknown, metadata = bearer()): Promise<unknown> {
  const request = rpcs.find((r) => r.method === method)!.requestCodec.fromJSON(json);
  const fn = (s.grpc as unknown as Record<string, UnaryMethod>)[method]!.bind(s.grpc);
  return new Promise((resolve, reject) =>
    fn(request, metadata, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

describe('business API over HTTP and gRPC', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ ratePerKey: { perSecond: 1000, burst: 1000 } });
  });
  afterAll(async () => {
    await s.close();
  });

  describe.each(rpcs.map((r) => [r.name, r] as const))('%s', (_name, rpc) => {
    it(`is POST /v1/${rpc.httpName}`, async () => {
      const before = s.api.calls.length;
      const res = await post(s.url, rpc.httpName, {});
      expect(s.api.calls.slice(before)).toContain(`app-a:${rpc.method}`);
      expect([200, 400, 404]).toContain(res.status);
      if (res.status !== 200) expect(res.json?.code).toMatch(/^ERROR_CODE_/);
    });

    it(`is ${rpc.grpcPath} over gRPC`, async () => {
      const before = s.api.calls.length;
      await grpcCall(s, rpc.method, {}).catch((err: unknown) => {
        // USER_NOT_FOUND and the like have no gRPC status of their own (toStatus): FAILED_PRECONDITION.
        expect([status.NOT_FOUND, status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]).toContain(
          grpcFailure(err).code,
        );
        expect(grpcFailure(err).sbCode).toBeGreaterThan(0);
      });
      expect(s.api.calls.slice(before)).toContain(`app-a:${rpc.method}`);
    });
  });

  it('accepts snake_case and lowerCamelCase field names', async () => {
    const snake = await post(s.url, 'upsert_user', { user: { user_id: 'u1', avatar_url: 'http://a' } });
    expect(snake.status).toBe(200);
    expect(snake.json).toMatchObject({ user: { userId: 'u1', avatarUrl: 'http://a' } });
    const camel = await post(s.url, 'upsert_user', { user: { userId: 'u2', avatarUrl: 'http://b' } });
    expect(camel.status).toBe(200);
    const got = await post(s.url, 'get_user', { userId: 'u2' });
    expect(got.json).toMatchObject({ user: { userId: 'u2', avatarUrl: 'http://b' } });
  });

  it('renders 64-bit integers as strings, exactly', async () => {
    const res = await post(s.url, 'upsert_user', { user: { user_id: 'u3' } });
    expect(res.json).toMatchObject({ user: { createdAt: '1700000000000', updatedAt: String(BIG_ID) } });
    expect(res.text).toContain(`"updatedAt":"9007199254740991"`);
  });

  it('accepts 64-bit integers as numbers or decimal strings, and refuses what it cannot hold exactly', async () => {
    expect((await post(s.url, 'get_history', { before_seq: '9007199254740991' })).status).toBe(200);
    expect((await post(s.url, 'get_history', { beforeSeq: 12 })).status).toBe(200);
    const big = await post(s.url, 'get_history', { before_seq: '18446744073709551615' });
    expect(big.status).toBe(400);
    expect(big.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'before_seq' });
    // A JSON number past 2^53 that JSON.parse would round: refused, not rounded.
    const rounded = await rawRequest(
      s.url,
      'POST',
      '/v1/get_history',
      { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` },
      '{"beforeSeq": 9007199254740993}',
    );
    expect(rounded.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'before_seq' });
  });

  it('round-trips bytes as base64 (standard or URL-safe in, standard out) and over gRPC', async () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x00, 0x01, ...randomBytes(37)]);
    const sent = await post(s.url, 'send_message', {
      target_type: 'TARGET_TYPE_USER',
      target_id: 'bob',
      content: bytes.toString('base64url'),
      client_msg_id: 'c1',
    });
    expect(sent.status).toBe(200);
    expect(typeof sent.json?.messageId).toBe('string');
    const history = await post(s.url, 'get_history', { user_id: 'bob' });
    const messages = history.json?.messages as { content: string; clientMsgId: string }[];
    expect(messages.find((m) => m.clientMsgId === 'c1')?.content).toBe(bytes.toString('base64'));
    const viaGrpc = (await grpcCall(s, 'getHistory', {
      userId: 'bob',
      peerUserId: '',
      beforeSeq: 0,
      limit: 0,
    })) as {
      messages: { content: Buffer; clientMsgId: string }[];
    };
    expect(Buffer.compare(viaGrpc.messages.find((m) => m.clientMsgId === 'c1')!.content, bytes)).toBe(0);
  });

  it.each(['a', 'aGk==', 'aGl=', '+_8=', 'aGk=\n', 'not base64!'])(
    'refuses malformed base64 %j',
    async (content) => {
      const res = await post(s.url, 'send_message', { content });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'content' });
    },
  );

  it('accepts enums by name or number and refuses others', async () => {
    expect((await post(s.url, 'send_message', { targetType: 2 })).status).toBe(200);
    const res = await post(s.url, 'send_message', { targetType: 'TARGET_TYPE_PLANET' });
    expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'target_type' });
  });

  it('names an unknown field', async () => {
    const top = await post(s.url, 'get_user', { userId: 'u1', bogus: 1 });
    expect(top.status).toBe(400);
    expect(top.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'bogus' });
    const nested = await post(s.url, 'upsert_user', { user: { userId: 'u1', shoe_size: 44 } });
    expect(nested.json).toMatchObject({ field: 'user.shoe_size' });
  });

  it.each([
    ['upsert_user', { user: { userId: 7 } }, 'user.user_id'],
    ['is_online', { user_ids: 'x' }, 'user_ids'],
    ['is_online', { userIds: ['a', 3] }, 'user_ids[1]'],
    ['list_groups', { limit: -1 }, 'limit'],
    ['list_groups', { limit: 1.5 }, 'limit'],
    ['kick_device', { userId: null }, 'user_id'],
    ['upsert_user', { user: 'u1' }, 'user'],
    ['get_user', { userId: 'a', user_id: 'b' }, 'user_id'],
  ])('refuses %s %j naming %s', async (rpc, body, field) => {
    const res = await post(s.url, rpc, body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field });
    expect(res.json?.message).toEqual(expect.any(String));
  });

  it('refuses a body that is not a JSON object', async () => {
    for (const body of ['[]', '"x"', 'null', '3']) {
      const res = await rawRequest(
        s.url,
        'POST',
        '/v1/get_user',
        { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` },
        body,
      );
      expect(res.status, body).toBe(400);
      expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT' });
    }
  });

  it('answers malformed JSON, an empty body and a wrong content type with clean errors', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` };
    const malformed = await rawRequest(s.url, 'POST', '/v1/get_user', headers, '{"userId": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({
      code: 'ERROR_CODE_INVALID_ARGUMENT',
      message: 'the request body is not valid JSON',
    });
    const empty = await rawRequest(s.url, 'POST', '/v1/get_user', headers, '');
    expect(empty.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT' });
    const text = await rawRequest(
      s.url,
      'POST',
      '/v1/get_user',
      { ...headers, 'content-type': 'text/plain' },
      'hi',
    );
    expect(text.status).toBe(415);
    expect(text.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT' });
    const proto = await rawRequest(s.url, 'POST', '/v1/get_user', headers, '{"__proto__": {"x": 1}}');
    expect(proto.status).toBe(400);
  });

  it('refuses a compressed body with 415 saying so, not as JSON it could not read', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` };
    const body = gzipSync('{"userId": "u1"}');
    const compressed = { code: 'ERROR_CODE_INVALID_ARGUMENT', message: COMPRESSED_BODY };
    for (const encoding of ['gzip', 'br', 'deflate, gzip']) {
      const res = await rawRequest(
        s.url,
        'POST',
        '/v1/get_user',
        { ...headers, 'content-encoding': encoding },
        body,
      );
      expect(res.status, encoding).toBe(415);
      expect(res.json).toEqual(compressed);
    }
    // The key is still checked first: a caller without one learns nothing about the body.
    const keyless = await rawRequest(
      s.url,
      'POST',
      '/v1/get_user',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    );
    expect(keyless.status).toBe(401);
    // A user no other test makes: the answer does not depend on which tests ran before.
    const nobody = `nobody-${randomBytes(4).toString('hex')}`;
    const identity = await rawRequest(
      s.url,
      'POST',
      '/v1/get_user',
      { ...headers, 'content-encoding': 'identity' },
      JSON.stringify({ userId: nobody }),
    );
    // Read and answered: no such user in the fake store.
    expect(identity.status).toBe(404);
    expect(identity.json).toMatchObject({ code: 'ERROR_CODE_USER_NOT_FOUND' });
  });

  it('serves the admin console as static files with a strict CSP, and no data without a key', async () => {
    for (const [path, type] of [
      ['/admin/', 'text/html'],
      ['/admin/console.js', 'text/javascript'],
      ['/admin/console.css', 'text/css'],
    ] as const) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const page = await (await fetch(`${s.url}/admin/`)).text();
    expect(page).toContain('<script type="module" src="/admin/console.js">');
    expect((await fetch(`${s.url}/admin/secrets`)).status).toBe(404);
    const stats = await fetch(`${s.url}/v1/get_server_stats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(stats.status).toBe(401);
  });

  describe('API keys', () => {
    it.each([
      ['missing', undefined],
      ['not a bearer', 'Basic a2V5'],
      ['empty bearer', 'Bearer '],
      ['unknown', 'Bearer nope'],
    ])('refuses a %s key with 401 INVALID_API_KEY', async (_what, authorization) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization !== undefined) headers.authorization = authorization;
      const res = await rawRequest(s.url, 'POST', '/v1/get_user', headers, '{}');
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_API_KEY' });
    });

    it('checks the key before reading the body', async () => {
      const res = await rawRequest(
        s.url,
        'POST',
        '/v1/get_user',
        { 'content-type': 'application/json' },
        '{not json',
      );
      expect(res.status).toBe(401);
    });

    it('keeps apps apart', async () => {
      await post(s.url, 'upsert_user', { user: { userId: 'only-a' } }, KEYS.a);
      const other = await post(s.url, 'get_user', { userId: 'only-a' }, KEYS.b);
      expect(other.status).toBe(404);
      expect(other.json).toMatchObject({ code: 'ERROR_CODE_USER_NOT_FOUND', field: 'user_id' });
    });

    it('refuses gRPC calls without a valid key with UNAUTHENTICATED and sb-code INVALID_API_KEY', async () => {
      for (const metadata of [new Metadata(), bearer('nope')]) {
        const err = await grpcCall(s, 'getUser', { userId: 'u1' }, metadata).catch((e: unknown) => e);
        expect(grpcFailure(err)).toMatchObject({
          code: status.UNAUTHENTICATED,
          sbCode: ErrorCode.ERROR_CODE_INVALID_API_KEY,
        });
      }
    });
  });

  it('carries the field of a domain error over both transports', async () => {
    const res = await post(s.url, 'upsert_user', { user: { userId: '' } });
    expect(res.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT', field: 'user.user_id' });
    const err = await grpcCall(s, 'upsertUser', { user: { userId: '' } }).catch((e: unknown) => e);
    expect(grpcFailure(err)).toEqual({
      code: status.INVALID_ARGUMENT,
      sbCode: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      sbField: 'user.user_id',
    });
  });

  it('answers a bug with 500 INTERNAL and a generic message, logged once with its stack', async () => {
    const before = errorLines(s.log).length;
    const res = await post(s.url, 'get_user', { userId: 'boom' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ code: 'ERROR_CODE_INTERNAL', message: 'internal error' });
    const err = await grpcCall(s, 'getUser', { userId: 'boom' }).catch((e: unknown) => e);
    expect(grpcFailure(err)).toMatchObject({ code: status.INTERNAL, sbCode: ErrorCode.ERROR_CODE_INTERNAL });
    expect((err as Error).message).not.toContain('secret');
    const logged = errorLines(s.log).slice(before);
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged[0])).toContain('a bug with secret details');
    expect((logged[0]!.err as { stack: string }).stack).toMatch(/at /);
  });

  it('answers an outage with 503 UNAVAILABLE and no details', async () => {
    const res = await post(s.url, 'get_user', { userId: 'down' });
    expect(res.status).toBe(503);
    expect(res.json?.code).toBe('ERROR_CODE_UNAVAILABLE');
    expect(res.text).not.toContain('10.0.0.9');
  });

  it('answers storage errors with their catalog codes over both transports, never INTERNAL', async () => {
    const before = errorLines(s.log).length;
    const conflict = await post(s.url, 'get_user', { userId: 'conflict' });
    expect(conflict.status).toBe(503);
    expect(conflict.json?.code).toBe('ERROR_CODE_UNAVAILABLE');
    expect(conflict.text).not.toContain('aborted');
    const err = await grpcCall(s, 'getUser', { userId: 'conflict' }).catch((e: unknown) => e);
    expect(grpcFailure(err)).toMatchObject({
      code: status.UNAVAILABLE,
      sbCode: ErrorCode.ERROR_CODE_UNAVAILABLE,
    });
    const gone = await post(s.url, 'get_user', { userId: 'gone' });
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ code: 'ERROR_CODE_NOT_FOUND', message: 'no user gone' });
    expect(errorLines(s.log).slice(before)).toHaveLength(0);
  });

  it('answers unknown paths 404 and wrong methods 405, as JSON errors', async () => {
    // The message says what the API's paths are, whatever was asked: it never echoes the path.
    const notFound = {
      code: 'ERROR_CODE_NOT_FOUND',
      message: 'no such endpoint: the business API is POST /v1/<rpc_name> (GET /v1/ lists them)',
    };
    for (const path of ['/v1/nope', '/v2/send_message', '/', '/v1/send_message/x']) {
      const res = await rawRequest(s.url, 'POST', path, { 'content-type': 'application/json' }, '{}');
      expect(res.status, path).toBe(404);
      expect(res.json).toEqual(notFound);
    }
    // Health and metrics are served on the service's own port, not the API's.
    const health = await rawRequest(s.url, 'GET', '/healthz', {});
    expect(health.status).toBe(404);
    expect(health.json).toEqual(notFound);
    const get = await rawRequest(s.url, 'GET', '/v1/send_message', {});
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(get.json).toMatchObject({ code: 'ERROR_CODE_INVALID_ARGUMENT' });
    const postIndex = await rawRequest(s.url, 'DELETE', '/v1/openapi.json', {});
    expect(postIndex.status).toBe(405);
    expect(postIndex.headers.allow).toBe('GET');
  });

  it('answers GET /v1/ with an index', async () => {
    const res = await rawRequest(s.url, 'GET', '/v1/', {});
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ version: 'v1', openapi: '/v1/openapi.json' });
    expect((await rawRequest(s.url, 'GET', '/v1', {})).status).toBe(200);
  });

  it('counts calls by method, code and transport', async () => {
    const text = await s.registry.metrics();
    expect(text).toMatch(/business_api_requests_total\{method="GetUser",code="OK",transport="http"\} \d+/);
    expect(text).toMatch(
      /business_api_requests_total\{method="GetUser",code="ERROR_CODE_INVALID_API_KEY",transport="grpc"\} \d+/,
    );
    expect(text).toContain('business_api_request_duration_seconds_bucket');
  });

  it('logs nothing at error level for client faults', () => {
    const unexpected = errorLines(s.log).filter(
      (l) => !JSON.stringify(l).includes('a bug with secret details'),
    );
    expect(unexpected).toEqual([]);
  });
});

describe('business API limits', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ ratePerKey: { perSecond: 1, burst: 3 }, bodyLimitBytes: 4096 });
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses calls past the per-key rate: 429 over HTTP, RESOURCE_EXHAUSTED over gRPC, per key', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await post(s.url, 'get_user', { userId: 'x' })).status);
    expect(codes).toEqual([404, 404, 404]);
    const http = await post(s.url, 'get_user', { userId: 'x' });
    expect(http.status).toBe(429);
    expect(http.json).toMatchObject({ code: 'ERROR_CODE_RATE_LIMITED' });
    const err = await grpcCall(s, 'getUser', { userId: 'x' }).catch((e: unknown) => e);
    expect(grpcFailure(err)).toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      sbCode: ErrorCode.ERROR_CODE_RATE_LIMITED,
    });
    // Another key has its own bucket.
    expect((await post(s.url, 'get_user', { userId: 'x' }, KEYS.b)).status).toBe(404);
    expect(await s.registry.metrics()).toMatch(/business_api_rate_limited_total\{transport="http"\} 1/);
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await rawRequest(
      s.url,
      'POST',
      '/v1/get_user',
      { 'content-type': 'application/json', authorization: `Bearer ${KEYS.b}` },
      JSON.stringify({ userId: 'x'.repeat(5000) }),
    );
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ code: 'ERROR_CODE_PAYLOAD_TOO_LARGE' });
    expect(errorLines(s.log)).toEqual([]);
  });
});
