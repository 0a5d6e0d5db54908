// Writes the JSON Schema of the business API's messages, generated from its .proto (run by
// `npm run proto` after `buf generate`). libs/proto/src/json-schema/json-schema.spec.ts fails when
// the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServiceJsonSchema, serialise } from '../libs/proto/src/json-schema/build-json-schema.js';
import {
  BUSINESS_SCHEMA_SOURCE as src,
  REPO_ROOT,
} from '../libs/proto/src/json-schema/business-schema-source.js';

const schema = buildServiceJsonSchema(join(REPO_ROOT, src.protoFile), src.service, src.id);
writeFileSync(join(REPO_ROOT, src.outFile), serialise(schema));
