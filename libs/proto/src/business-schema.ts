// The JSON Schema of switchboard.business.v1 messages in proto3 JSON, generated from the .proto by
// scripts/gen-business-schema.ts (`npm run proto`).
import generated from './json-schema/business.json' with { type: 'json' };
import type { ServiceJsonSchema } from './json-schema/json-schema-types.js';

export { jsonNameOf, snakeCaseOf } from './json-schema/names.js';
export type { JsonSchema, JsonType, RpcSchema, ServiceJsonSchema } from './json-schema/json-schema-types.js';

/** Every request and response message of BusinessService, and its RPCs, as JSON Schema 2020-12. */
export const businessJsonSchema = generated as unknown as ServiceJsonSchema;
