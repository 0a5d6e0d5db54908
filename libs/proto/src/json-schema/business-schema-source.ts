import { join } from 'node:path';

/** Where the business API's JSON Schema comes from and goes to (paths from the repository root). */
export const BUSINESS_SCHEMA_SOURCE = {
  protoFile: 'proto/switchboard/business/v1/business.proto',
  service: 'switchboard.business.v1.BusinessService',
  id: 'https://switchboard.invalid/schemas/switchboard.business.v1.json',
  outFile: 'libs/proto/src/json-schema/business.json',
} as const;

/** The repository root, from this file's place in it. */
export const REPO_ROOT = join(import.meta.dirname, '../../../..');
