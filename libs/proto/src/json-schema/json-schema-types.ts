export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A JSON Schema (2020-12) node, as far as the generated schemas use it. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  format?: string;
  pattern?: string;
  contentEncoding?: string;
  minimum?: number;
  maximum?: number;
  enum?: (string | number)[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  propertyNames?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
}

/** One RPC of a service, with the names of its request and response schemas in `$defs`. */
export interface RpcSchema {
  /** The RPC's name in the proto (`SendMessage`). */
  name: string;
  /** Its name in snake case (`send_message`), the HTTP path segment. */
  httpName: string;
  request: string;
  response: string;
  /** The proto comment of the RPC; empty when it has none. */
  description: string;
}

/** The JSON Schema of every request and response message of a service, generated from its .proto. */
export interface ServiceJsonSchema {
  /** Fully qualified service name (`switchboard.business.v1.BusinessService`). */
  service: string;
  /** The proto comment of the service. */
  description: string;
  rpcs: RpcSchema[];
  /** A JSON Schema 2020-12 document whose `$defs` hold every message and enum, by short name. */
  schema: JsonSchema & { $id: string; $defs: Record<string, JsonSchema> };
}
