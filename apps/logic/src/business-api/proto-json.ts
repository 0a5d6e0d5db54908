import { ErrorCode } from '@switchboard/proto/client';
import { businessJsonSchema, jsonNameOf, type JsonSchema } from '@switchboard/proto/business-schema';
import { RpcError } from '@switchboard/rpc';

// The proto3 JSON details the generated `fromJSON`/`toJSON` leave open, driven by the generated
// JSON Schema (so nothing here lists fields by hand): which keys are field names, which values
// are 64-bit integers, and the proto path of a field for error messages.

const DEFS = businessJsonSchema.schema.$defs;
const REF_PREFIX = '#/$defs/';

/** The schema a `$ref` points at (followed until there is none). */
export function deref(schema: JsonSchema): JsonSchema {
  let s = schema;
  while (s.$ref !== undefined) {
    const target = DEFS[s.$ref.slice(REF_PREFIX.length)];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    s = target;
  }
  return s;
}

/** The schema of a message of the business API by name (`SendMessageRequest`). */
export function messageSchema(name: string): JsonSchema {
  return deref({ $ref: `${REF_PREFIX}${name}` });
}

function is64Bit(s: JsonSchema): boolean {
  return s.format === 'int64' || s.format === 'uint64';
}

function isMap(s: JsonSchema): s is JsonSchema & { additionalProperties: JsonSchema } {
  return s.properties === undefined && typeof s.additionalProperties === 'object';
}

/**
 * The proto field name of a key of a message's JSON: the key itself when it is one (`user_id`,
 * `name`), else the field whose JSON name it is (`userId` → `user_id`).
 */
function protoNameOf(properties: Record<string, JsonSchema>, key: string): string {
  if (key.includes('_')) return key;
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return snake !== key && properties[snake] !== undefined ? snake : key;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function invalid(field: string, message: string): RpcError {
  return new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, `${field}: ${message}`, { field });
}

function normalise(schema: JsonSchema, value: unknown, path: string): unknown {
  const s = deref(schema);
  if (is64Bit(s)) {
    // ts-proto holds 64-bit integers as JS numbers (forceLong=number): refuse what one cannot hold
    // exactly rather than round it. The schema already bounds numbers; this bounds strings.
    if (typeof value === 'string' && !Number.isSafeInteger(Number(value))) {
      throw invalid(
        path,
        `expected an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
      );
    }
    return value;
  }
  if (Array.isArray(value) && s.items) {
    return value.map((item, i) => normalise(s.items!, item, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (isMap(s)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(object))
      out[key] = normalise(s.additionalProperties, item, join(path, key));
    return out;
  }
  const properties = s.properties;
  if (!properties) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    const field = properties[key];
    if (!field) throw invalid(join(path, key), 'unknown field');
    const protoName = protoNameOf(properties, key);
    const camel = jsonNameOf(protoName);
    if (Object.hasOwn(out, camel))
      throw invalid(join(path, protoName), 'given twice (JSON name and field name)');
    out[camel] = normalise(field, item, join(path, protoName));
  }
  return out;
}

/**
 * A request body that passed the message's JSON Schema, with every key as its lowerCamelCase JSON
 * name, ready for the generated `fromJSON`. Throws INVALID_ARGUMENT naming the field when a field
 * is given under both of its names or a 64-bit integer is past what the server holds exactly.
 */
export function normaliseRequest(messageName: string, body: unknown): unknown {
  return normalise(messageSchema(messageName), body, '');
}

function render(schema: JsonSchema, value: unknown): unknown {
  const s = deref(schema);
  if (is64Bit(s)) return typeof value === 'number' ? String(value) : value;
  if (Array.isArray(value)) return s.items ? value.map((item) => render(s.items!, item)) : value;
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) {
    const field = isMap(s) ? s.additionalProperties : s.properties?.[key];
    out[key] = field ? render(field, item) : item;
  }
  if (!isMap(s) && s.properties) {
    // Every scalar, list and map field is in the answer, also at its default (proto3 JSON's
    // "emit defaults" option): a client reads a stable shape instead of guessing what is absent.
    for (const [key, field] of Object.entries(s.properties)) {
      if (key.includes('_') || Object.hasOwn(out, key)) continue;
      const d = defaultOf(field);
      if (d !== undefined) out[key] = d;
    }
  }
  return out;
}

/** A field's proto3 default as JSON; undefined for a message field, which stays absent. */
function defaultOf(schema: JsonSchema): unknown {
  const s = deref(schema);
  if (is64Bit(s)) return '0';
  if (s.enum !== undefined) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'integer':
    case 'number':
      return 0;
    case 'array':
      return [];
    case 'object':
      return isMap(s) ? {} : undefined;
    default:
      return undefined;
  }
}

/**
 * The generated `toJSON` output of a response made proto3 JSON: 64-bit integers (the fields the
 * schema marks `int64`/`uint64`) as decimal strings, so that no JSON parser rounds them.
 */
export function renderResponse(messageName: string, json: unknown): unknown {
  return render(messageSchema(messageName), json);
}

/**
 * The proto field path (`user.user_id`, `user_ids[2]`) of a JSON pointer into a request body
 * (`/user/userId`), naming message fields by their proto names.
 */
export function protoFieldPath(messageName: string, pointer: string, extra?: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let schema: JsonSchema | undefined = messageSchema(messageName);
  let path = '';
  for (const seg of segments) {
    const s: JsonSchema | undefined = schema && deref(schema);
    if (s?.type === 'array' && /^\d+$/.test(seg)) {
      path = `${path}[${seg}]`;
      schema = s.items;
    } else if (s && isMap(s)) {
      path = join(path, seg);
      schema = s.additionalProperties;
    } else if (s?.properties?.[seg] !== undefined) {
      path = join(path, protoNameOf(s.properties, seg));
      schema = s.properties[seg];
    } else {
      path = join(path, seg);
      schema = undefined;
    }
  }
  return path;
}

/** What a value of a field must be, in words, for an error message. */
export function expectedOf(messageName: string, pointer: string): string {
  let schema: JsonSchema | undefined = messageSchema(messageName);
  for (const seg of pointer.split('/').slice(1)) {
    const s: JsonSchema | undefined = schema && deref(schema);
    if (!s) break;
    if (s.type === 'array') schema = s.items;
    else if (isMap(s)) schema = s.additionalProperties;
    else schema = s.properties?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (!schema) return 'a valid value';
  const s = deref(schema);
  if (is64Bit(s)) {
    return `${s.format === 'uint64' ? 'a non-negative' : 'an'} integer (a JSON number or a decimal string)`;
  }
  if (s.contentEncoding === 'base64') return 'base64 (standard or URL-safe alphabet, canonical padding bits)';
  if (s.enum) return `one of ${s.enum.filter((v) => typeof v === 'string').join(', ')} (or its number)`;
  if (s.type === 'integer') return `an integer between ${s.minimum} and ${s.maximum}`;
  if (s.type === 'string') return 'a string';
  if (s.type === 'boolean') return 'true or false';
  if (s.type === 'array') return 'an array';
  if (s.type === 'object') return 'a JSON object';
  return 'a valid value';
}
