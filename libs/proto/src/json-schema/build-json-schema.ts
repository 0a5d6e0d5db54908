import protobuf from 'protobufjs';
import type { JsonSchema, RpcSchema, ServiceJsonSchema } from './json-schema-types.js';
import { jsonNameOf, snakeCaseOf } from './names.js';

// Generates, from a .proto file, the JSON Schema of the proto3 JSON form of every message a
// service's RPCs take or return. Run by `npm run proto` (scripts/gen-business-schema.ts); the
// output is committed and checked fresh by json-schema.spec.ts.

const INT32 = { min: -2147483648, max: 2147483647 };
const UINT32 = { min: 0, max: 4294967295 };

/**
 * Decimal strings of 64-bit integers. The server holds them as JS numbers (ts-proto
 * `forceLong=number`) and refuses values past ±(2^53 - 1) after validation, naming the field.
 */
const INT64_PATTERN = '^-?(?:0|[1-9][0-9]{0,18})$';
const UINT64_PATTERN = '^(?:0|[1-9][0-9]{0,19})$';

/**
 * Base64, standard (`+/`) or URL-safe (`-_`) alphabet, never mixed, with or without padding, as
 * proto3 JSON allows. Unused trailing bits must be zero, so every accepted string decodes to one
 * byte sequence and a malformed one is refused rather than decoded to something else.
 */
function base64Pattern(a: string): string {
  const tail2 = `[${a}][AQgw]`;
  const tail3 = `[${a}]{2}[AEIMQUYcgkosw048]`;
  return `(?:[${a}]{4})*(?:${tail2}(?:==)?|${tail3}=?)?`;
}
export const BASE64_PATTERN = `^(?:${base64Pattern('A-Za-z0-9+/')}|${base64Pattern('A-Za-z0-9_-')})$`;

function described<T extends JsonSchema>(schema: T, comment: string | null | undefined): T {
  const text = (comment ?? '').trim();
  return text ? { ...schema, description: text } : schema;
}

function scalarSchema(type: string): JsonSchema {
  switch (type) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'bytes':
      return { type: 'string', contentEncoding: 'base64', pattern: BASE64_PATTERN };
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return { type: 'integer', format: 'int32', minimum: INT32.min, maximum: INT32.max };
    case 'uint32':
    case 'fixed32':
      return { type: 'integer', format: 'uint32', minimum: UINT32.min, maximum: UINT32.max };
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return {
        type: ['string', 'integer'],
        format: 'int64',
        anyOf: [
          { type: 'string', pattern: INT64_PATTERN },
          { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
        ],
      };
    case 'uint64':
    case 'fixed64':
      return {
        type: ['string', 'integer'],
        format: 'uint64',
        anyOf: [
          { type: 'string', pattern: UINT64_PATTERN },
          { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        ],
      };
    case 'double':
    case 'float':
      return { type: 'number', format: type };
    default:
      throw new Error(`unsupported proto scalar type ${type}`);
  }
}

/** Keys of a proto map in JSON are strings; integer and bool keys are written in decimal / as words. */
function mapKeySchema(keyType: string): JsonSchema | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool') return { type: 'string', enum: ['true', 'false'] };
  return {
    type: 'string',
    pattern:
      keyType.startsWith('u') || keyType.startsWith('fixed')
        ? '^(?:0|[1-9][0-9]*)$'
        : '^-?(?:0|[1-9][0-9]*)$',
  };
}

class Builder {
  readonly defs: Record<string, JsonSchema> = {};
  /** Short name → fully qualified name, to refuse two types that would share a `$defs` entry. */
  private readonly fullNames = new Map<string, string>();

  private refTo(type: protobuf.Type | protobuf.Enum): JsonSchema {
    const name = type.name;
    const known = this.fullNames.get(name);
    if (known === undefined) {
      this.fullNames.set(name, type.fullName);
      this.defs[name] = {}; // a placeholder while a recursive message refers to itself
      this.defs[name] = type instanceof protobuf.Enum ? this.enumSchema(type) : this.messageSchema(type);
    } else if (known !== type.fullName) {
      throw new Error(`${known} and ${type.fullName} would share the schema name ${name}`);
    }
    return { $ref: `#/$defs/${name}` };
  }

  private enumSchema(e: protobuf.Enum): JsonSchema {
    const names = Object.keys(e.values);
    const numbers = [...new Set(Object.values(e.values))];
    const lines = names.map((n) => {
      const comment = e.comments[n]?.trim();
      return comment ? `${n}: ${comment}` : n;
    });
    const text = [e.comment?.trim() ?? '', `Its value names or numbers: ${lines.join('; ')}.`]
      .filter(Boolean)
      .join('\n\n');
    return { description: text, enum: [...names, ...numbers] };
  }

  private valueSchema(field: protobuf.Field): JsonSchema {
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Type || resolved instanceof protobuf.Enum) return this.refTo(resolved);
    return scalarSchema(field.type);
  }

  private fieldSchema(field: protobuf.Field): JsonSchema {
    if (field instanceof protobuf.MapField) {
      const keys = mapKeySchema(field.keyType);
      return {
        type: 'object',
        ...(keys ? { propertyNames: keys } : {}),
        additionalProperties: this.valueSchema(field),
      };
    }
    const value = this.valueSchema(field);
    return field.repeated ? { type: 'array', items: value } : value;
  }

  private messageSchema(type: protobuf.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const field of type.fieldsArray) {
      const schema = described(this.fieldSchema(field), field.comment);
      // proto3 JSON parsers accept the lowerCamelCase JSON name and the original field name.
      properties[jsonNameOf(field.name)] = schema;
      properties[field.name] = schema;
    }
    return described({ type: 'object', properties, additionalProperties: false }, type.comment);
  }

  message(type: protobuf.Type): string {
    this.refTo(type);
    return type.name;
  }
}

/**
 * Builds the JSON Schema of the service `serviceName` declared in `protoFile` (a path protobufjs
 * can read; imports are resolved next to it).
 */
export function buildServiceJsonSchema(
  protoFile: string,
  serviceName: string,
  id: string,
): ServiceJsonSchema {
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  const service = root.lookupService(serviceName);
  const builder = new Builder();
  const rpcs: RpcSchema[] = service.methodsArray.map((method) => {
    method.resolve();
    if (method.requestStream || method.responseStream) {
      throw new Error(`${method.name}: streaming RPCs have no JSON form`);
    }
    return {
      name: method.name,
      httpName: snakeCaseOf(method.name),
      request: builder.message(method.resolvedRequestType!),
      response: builder.message(method.resolvedResponseType!),
      description: method.comment?.trim() ?? '',
    };
  });
  return {
    service: serviceName,
    description: service.comment?.trim() ?? '',
    rpcs,
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: id,
      title: `${serviceName} messages in proto3 JSON`,
      $defs: builder.defs,
    },
  };
}

/** The file's text as committed: two-space JSON with a final newline. */
export function serialise(schema: ServiceJsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
