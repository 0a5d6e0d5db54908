import * as business from '@switchboard/proto/business';
import { businessJsonSchema, type RpcSchema } from '@switchboard/proto/business-schema';
import type { BusinessMethod } from './business-api.js';

/** What both transports need of a generated message type. */
export interface MessageCodec {
  fromJSON(object: unknown): unknown;
  toJSON(message: unknown): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
}

/** One RPC: its generated method, its JSON Schema names and its message codecs. */
export interface RpcEntry extends RpcSchema {
  /** ts-proto's method name, the key in `BusinessApi` (`sendMessage`). */
  method: BusinessMethod;
  /** `/switchboard.business.v1.BusinessService/SendMessage`. */
  grpcPath: string;
  requestCodec: MessageCodec;
  responseCodec: MessageCodec;
}

function codecOf(name: string): MessageCodec {
  const codec = (business as Record<string, unknown>)[name] as Partial<MessageCodec> | undefined;
  if (typeof codec?.fromJSON !== 'function' || typeof codec.decode !== 'function') {
    throw new Error(`no generated message ${name} for the business JSON Schema; run npm run proto`);
  }
  return codec as MessageCodec;
}

/**
 * Every RPC of BusinessService, joining the generated definition (which the `BusinessApi` type
 * follows) to the generated JSON Schema; a mismatch between the two fails at start-up.
 */
export function businessRpcs(): RpcEntry[] {
  const byName = new Map(businessJsonSchema.rpcs.map((r) => [r.name, r]));
  const entries = Object.entries(business.BusinessServiceService).map(([method, def]) => {
    const name = def.path.slice(def.path.lastIndexOf('/') + 1);
    const schema = byName.get(name);
    if (!schema) throw new Error(`${name} is missing from the business JSON Schema; run npm run proto`);
    return {
      ...schema,
      method: method as BusinessMethod,
      grpcPath: def.path,
      requestCodec: codecOf(schema.request),
      responseCodec: codecOf(schema.response),
    };
  });
  if (entries.length !== byName.size) throw new Error('the business JSON Schema is stale; run npm run proto');
  return entries;
}
