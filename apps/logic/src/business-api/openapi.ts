import { businessJsonSchema, type JsonSchema } from '@switchboard/proto/business-schema';
import { ErrorCode, errorCodeToJSON } from '@switchboard/proto/client';

/** Where the document is served. */
export const OPENAPI_PATH = '/v1/openapi.json';

/** `POST /v1/<rpc_name_in_snake_case>`. */
export function httpPathOf(httpName: string): string {
  return `/v1/${httpName}`;
}

function toComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponents);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof item === 'string'
        ? item.replace('#/$defs/', '#/components/schemas/')
        : toComponents(item);
  }
  return out;
}

const ERROR_SCHEMA: JsonSchema & { required: string[] } = {
  type: 'object',
  description: 'Every error: an HTTP status and this body.',
  properties: {
    code: {
      type: 'string',
      description: 'A stable code of the error catalog (docs/errors.md).',
      enum: Object.values(ErrorCode)
        .filter((v): v is ErrorCode => typeof v === 'number' && v > 0)
        .map((v) => errorCodeToJSON(v)),
    },
    message: { type: 'string', description: 'What went wrong, for people; not stable.' },
    field: {
      type: 'string',
      description: 'The request field at fault as a proto field path (`user.user_id`), when known.',
    },
  },
  required: ['code', 'message'],
  additionalProperties: false,
};

/**
 * The OpenAPI 3.1 document of the HTTP business API, built from the generated JSON Schema: one
 * `POST` path per RPC, its request and response schemas, bearer authentication and the error body.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
  const paths: Record<string, unknown> = {};
  for (const rpc of businessJsonSchema.rpcs) {
    paths[httpPathOf(rpc.httpName)] = {
      post: {
        operationId: rpc.name,
        summary: rpc.name,
        ...(rpc.description ? { description: rpc.description } : {}),
        requestBody: { required: true, content: json(rpc.request) },
        responses: {
          '200': {
            description: `${rpc.response} in proto3 JSON (64-bit integers as strings).`,
            content: json(rpc.response),
          },
          default: { description: 'An error (see the code).', content: json('Error') },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard business API',
      version,
      description: `${businessJsonSchema.description}\n\nEvery operation of ${businessJsonSchema.service} as POST /v1/<rpc_name> with its request and response in proto3 JSON (fields under their lowerCamelCase or original names).`,
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas: {
        ...(toComponents(businessJsonSchema.schema.$defs) as Record<string, unknown>),
        Error: ERROR_SCHEMA,
      },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: "The app's API key: `Authorization: Bearer <key>`.",
        },
      },
    },
  };
}
