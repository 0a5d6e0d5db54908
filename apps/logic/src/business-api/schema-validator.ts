import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { businessJsonSchema } from '@switchboard/proto/business-schema';
import { ErrorCode } from '@switchboard/proto/client';
import { RpcError } from '@switchboard/rpc';
import { expectedOf, protoFieldPath } from './proto-json.js';

/** The `$ref` of a business API message in the JSON Schema document (`…#/$defs/SendMessageRequest`). */
export function schemaRef(messageName: string): string {
  return `${businessJsonSchema.schema.$id}#/$defs/${messageName}`;
}

/**
 * An Ajv (JSON Schema 2020-12, strict) holding the business API's schema document. The `int64`,
 * `uint64`, `int32` and `uint32` formats are annotations: the schemas bound those values
 * themselves. Ajv's own type coercion and defaults stay off: a body is checked, never altered.
 */
export function businessAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allowUnionTypes: true,
    allErrors: false,
    formats: { int64: true, uint64: true, int32: true, uint32: true },
  });
  ajv.addSchema(businessJsonSchema.schema);
  return ajv;
}

/** A compiled validator of one message's JSON. */
export function validatorOf(ajv: Ajv2020, messageName: string): ValidateFunction {
  const validate = ajv.getSchema(schemaRef(messageName));
  if (!validate) throw new Error(`no JSON Schema for ${messageName}`);
  return validate;
}

/** Turns the first Ajv error of a request body into INVALID_ARGUMENT naming the proto field. */
export function schemaError(
  messageName: string,
  errors: readonly ErrorObject[] | null | undefined,
): RpcError {
  const first = errors?.[0];
  const invalid = (field: string, message: string) =>
    new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message, field ? { field } : undefined);
  if (!first) return invalid('', 'the request body does not match its schema');
  if (first.keyword === 'additionalProperties') {
    const name = String((first.params as { additionalProperty: unknown }).additionalProperty);
    const field = protoFieldPath(messageName, first.instancePath, name);
    return invalid(field, `${field}: unknown field`);
  }
  if (first.keyword === 'required') {
    const name = String((first.params as { missingProperty: unknown }).missingProperty);
    const field = protoFieldPath(messageName, first.instancePath, name);
    return invalid(field, `${field}: required`);
  }
  const field = protoFieldPath(messageName, first.instancePath);
  if (!field) return invalid('', `the request body must be a JSON object (${messageName})`);
  return invalid(field, `${field}: expected ${expectedOf(messageName, first.instancePath)}`);
}
