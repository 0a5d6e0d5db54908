import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_API_VERSION } from './http-server.js';
import { httpPathOf, openApiDocument } from './openapi.js';
import { businessRpcs } from './rpc-table.js';
import { rawRequest, startTestServer, type TestServer } from './test-fakes.js';

describe('OpenAPI document of the business API', () => {
  let s: TestServer;
  let served: Record<string, unknown>;

  beforeAll(async () => {
    s = await startTestServer();
    const res = await rawRequest(s.url, 'GET', '/v1/openapi.json', {});
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    served = res.json!;
  });
  afterAll(async () => {
    await s.close();
  });

  it('is served as built from the generated schema today', () => {
    expect(served).toEqual(openApiDocument(HTTP_API_VERSION));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    // The parser dereferences in place: give it a copy.
    const result = await validate(structuredClone(served) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(served.openapi).toBe('3.1.0');
  });

  it('is checked by a validator that refuses a broken document', async () => {
    const broken = structuredClone(served) as {
      components: { schemas: Record<string, { properties: object }> };
    };
    broken.components.schemas.User!.properties = { userId: { $ref: '#/components/schemas/Nope' } };
    expect((await validate(broken as never)).valid).toBe(false);
  });

  it('lists every RPC as POST /v1/<rpc_name> with its request and response schemas', () => {
    const paths = served.paths as Record<string, { post: Record<string, unknown> }>;
    const rpcs = businessRpcs();
    expect(Object.keys(paths).sort()).toEqual(rpcs.map((r) => httpPathOf(r.httpName)).sort());
    const schemas = (served.components as { schemas: Record<string, unknown> }).schemas;
    for (const rpc of rpcs) {
      const op = paths[httpPathOf(rpc.httpName)]!.post;
      expect(op.operationId).toBe(rpc.name);
      expect(JSON.stringify(op.requestBody)).toContain(`#/components/schemas/${rpc.request}`);
      expect(JSON.stringify(op.responses)).toContain(`#/components/schemas/${rpc.response}`);
      expect(schemas[rpc.request]).toBeDefined();
      expect(schemas[rpc.response]).toBeDefined();
    }
    expect(JSON.stringify(served)).not.toContain('#/$defs/');
  });

  it('describes bearer authentication and the error body', () => {
    const components = served.components as Record<string, Record<string, Record<string, unknown>>>;
    expect(components.securitySchemes!.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(served.security).toEqual([{ apiKey: [] }]);
    const error = components.schemas!.Error as { properties: { code: { enum: string[] } } };
    expect(error.properties.code.enum).toContain('ERROR_CODE_INVALID_API_KEY');
    expect(error.properties.code.enum).not.toContain('UNRECOGNIZED');
  });

  it('carries the proto comments as descriptions', () => {
    const schemas = (
      served.components as {
        schemas: Record<string, { properties: Record<string, { description?: string }> }>;
      }
    ).schemas;
    expect(schemas.SendMessageRequest!.properties.client_msg_id!.description).toBe(
      'Idempotency key, as with clients.',
    );
    expect(schemas.SendMessageRequest!.properties.clientMsgId!.description).toBe(
      'Idempotency key, as with clients.',
    );
  });
});
