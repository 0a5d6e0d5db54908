import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { BusinessServiceService } from '../business.js';
import { businessJsonSchema } from '../business-schema.js';
import { BASE64_PATTERN, buildServiceJsonSchema, serialise } from './build-json-schema.js';
import { jsonNameOf, snakeCaseOf } from './names.js';
import { BUSINESS_SCHEMA_SOURCE as src, REPO_ROOT } from './business-schema-source.js';

describe('business JSON Schema', () => {
  it('is what scripts/gen-business-schema.ts makes of the .proto today (run `npm run proto` if this fails)', () => {
    const fresh = serialise(buildServiceJsonSchema(join(REPO_ROOT, src.protoFile), src.service, src.id));
    expect(readFileSync(join(REPO_ROOT, src.outFile), 'utf8')).toBe(fresh);
  });

  it('lists every RPC of the generated service definition', () => {
    const fromProto = Object.values(BusinessServiceService).map((m) => m.path.split('/').pop());
    expect(businessJsonSchema.rpcs.map((r) => r.name)).toEqual(fromProto);
  });

  it('compiles as JSON Schema 2020-12 in strict mode', () => {
    const ajv = new Ajv2020({
      strict: true,
      allowUnionTypes: true,
      formats: { int64: true, uint64: true, int32: true, uint32: true },
    });
    ajv.addSchema(businessJsonSchema.schema);
    for (const rpc of businessJsonSchema.rpcs) {
      for (const name of [rpc.request, rpc.response]) {
        expect(ajv.getSchema(`${src.id}#/$defs/${name}`), name).toBeDefined();
      }
    }
  });

  it('names fields both ways and refuses unknown ones', () => {
    const ajv = new Ajv2020({
      strict: true,
      allowUnionTypes: true,
      formats: { int64: true, uint64: true, int32: true, uint32: true },
    });
    ajv.addSchema(businessJsonSchema.schema);
    const validate = ajv.getSchema(`${src.id}#/$defs/SendMessageRequest`)!;
    expect(validate({ target_type: 'TARGET_TYPE_USER', targetId: 'bob', content: 'aGk=' })).toBe(true);
    expect(validate({ targetType: 2 })).toBe(true);
    expect(validate({ targetType: 'TARGET_TYPE_NOPE' })).toBe(false);
    expect(validate({ target: 'x' })).toBe(false);
    const history = ajv.getSchema(`${src.id}#/$defs/GetHistoryRequest`)!;
    expect(history({ before_seq: '18446744073709551615', limit: 4294967295 })).toBe(true);
    expect(history({ beforeSeq: '-1' })).toBe(false);
    expect(history({ beforeSeq: 1.5 })).toBe(false);
    expect(history({ limit: 4294967296 })).toBe(false);
    expect(history({ limit: '3' })).toBe(false);
  });

  it('accepts canonical base64 in either alphabet and refuses anything else', () => {
    const re = new RegExp(BASE64_PATTERN);
    for (const ok of ['', 'aGk=', 'aGk', 'aGVsbG8=', 'aGVsbA==', 'aGVsbA', '-_8=', '+/8=', '+/8', 'AAAA']) {
      expect(re.test(ok), ok).toBe(true);
    }
    for (const bad of [
      'a',
      'aGk==',
      'aGl=',
      '+_8=',
      'aG=k',
      'a===',
      '====',
      'aGVsbB==',
      ' aGk=',
      'aGk=\n',
      '%%%%',
    ]) {
      expect(re.test(bad), bad).toBe(false);
    }
  });

  it('converts names as protoc does', () => {
    expect(jsonNameOf('sender_user_id')).toBe('senderUserId');
    expect(snakeCaseOf('GetOnlineCounts')).toBe('get_online_counts');
    expect(snakeCaseOf('IsOnline')).toBe('is_online');
  });
});
