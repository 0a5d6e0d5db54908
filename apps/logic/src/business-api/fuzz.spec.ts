import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { businessJsonSchema } from '@switchboard/proto/business-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPathOf } from './openapi.js';
import { messageSchema } from './proto-json.js';
import { businessRpcs } from './rpc-table.js';
import { errorLines, KEYS, rawRequest, startTestServer, type TestServer } from './test-fakes.js';

// Whatever a caller sends, the business API answers with a catalog error or a success: never a
// 5xx / INTERNAL, never an error-level log line (those are for bugs).

const rpcs = businessRpcs();
const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

const path = fc.oneof(
  fc.constantFrom(
    ...rpcs.map((r) => httpPathOf(r.httpName)),
    '/v1/',
    '/v1',
    '/v1/openapi.json',
    '/',
    '/v1/%zz',
    '//v1//get_user',
  ),
  fc.string({ maxLength: 30 }).map((s) => `/v1/${encodeURIComponent(s)}`),
);

const authorization = fc.oneof(
  fc.constant(`Bearer ${KEYS.a}`),
  fc.constant(`bearer   ${KEYS.b}`),
  fc.constantFrom('Bearer nope', 'Basic a2V5', 'Bearer', ''),
  printable,
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  ),
  printable,
);

/** An object using a request message's own field names (both spellings), with random JSON values. */
const fieldsOfSomeRequest = fc
  .constantFrom(...businessJsonSchema.rpcs.map((r) => r.request))
  .chain((name) => {
    const keys = Object.keys(messageSchema(name).properties ?? {});
    return fc.dictionary(fc.constantFrom(...keys, 'bogus'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  });

const body = fc.oneof(
  fieldsOfSomeRequest.map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constant(undefined),
);

describe('business API under random input', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ ratePerKey: { perSecond: 0, burst: 1 } });
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers random HTTP requests with clean client errors or successes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path,
        fc.record({ authorization, 'content-type': contentType }, { requiredKeys: [] }),
        body,
        async (method, url, headers, payload) => {
          const res = await rawRequest(s.url, method, url, headers as Record<string, string>, payload);
          expect(res.status, `${method} ${url} ${res.text}`).toBeLessThan(500);
          if (method !== 'HEAD' && res.status >= 400) {
            expect(res.json?.code, res.text).toMatch(/^ERROR_CODE_/);
            expect(typeof res.json?.message).toBe('string');
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(errorLines(s.log)).toEqual([]);
  });

  it("answers requests built from each RPC's own fields with clean errors or successes", async () => {
    const statuses = new Map<number, number>();
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('TARGET_TYPE_USER', 'aGk=', '-_8', '9007199254740991', '18446744073709551616', 'boo'),
      fc.integer(),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...rpcs).chain((rpc) => {
          const keys = Object.keys(messageSchema(rpc.request).properties ?? {});
          return fc.tuple(
            fc.constant(rpc),
            keys.length ? fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }) : fc.constant({}),
          );
        }),
        async ([rpc, fields]) => {
          const res = await rawRequest(
            s.url,
            'POST',
            httpPathOf(rpc.httpName),
            { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` },
            JSON.stringify(fields),
          );
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, `${rpc.httpName} ${JSON.stringify(fields)} ${res.text}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.json?.code).toMatch(/^ERROR_CODE_/);
        },
      ),
      { numRuns: 400 },
    );
    // Both outcomes were reached: the property is not only exercising the schema's refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(errorLines(s.log)).toEqual([]);
  });

  it('answers random gRPC request bytes with an sb-code, never INTERNAL', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...rpcs),
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(fc.constant(`Bearer ${KEYS.a}`), printable, fc.constant(undefined)),
        async (rpc, bytes, auth) => {
          const metadata = new Metadata();
          if (auth !== undefined) metadata.set('authorization', auth);
          const err = await new Promise<ServiceError | null>((resolve) => {
            s.grpc.makeUnaryRequest(
              rpc.grpcPath,
              (b: Buffer) => b,
              (b: Buffer) => b,
              Buffer.from(bytes),
              metadata,
              (e) => resolve(e),
            );
          });
          if (err) {
            expect([status.INTERNAL, status.UNKNOWN], err.message).not.toContain(err.code);
            expect(Number(err.metadata.get('sb-code')[0]), err.message).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(errorLines(s.log)).toEqual([]);
  });
});
