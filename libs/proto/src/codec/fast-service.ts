import type { BinaryReader } from '@bufbuild/protobuf/wire';
import { NumberInt64Reader } from './number-int64.js';
import { encodeToBuffer, type MessageEncoder } from './pooled-encode.js';

/** A generated message type as the generic service definitions name it. */
interface MessageCodec<T> extends MessageEncoder<T> {
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

/** A method of a ts-proto grpc-js service definition (`LogicServiceService.sendBatch`). */
interface GrpcMethod {
  requestSerialize(value: never): Buffer;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: never): Buffer;
  responseDeserialize(bytes: Buffer): unknown;
}

/** A ts-proto generic service definition (`LogicServiceDefinition`). */
interface GenericService {
  readonly methods: Readonly<
    Record<string, { readonly requestType: unknown; readonly responseType: unknown }>
  >;
}

/**
 * `service` (a ts-proto grpc-js definition) with its serializers on the reused writer of
 * {@link encodeToBuffer} and its deserializers on {@link NumberInt64Reader}, the message types
 * taken from the generic definition of the same service: every internal call and stream frame
 * encodes and decodes through these. The bytes are the generated code's (specs compare them).
 */
export function withFastCodecs<S extends Record<string, GrpcMethod>>(service: S, generic: GenericService): S {
  const out: Record<string, GrpcMethod> = {};
  for (const [key, method] of Object.entries(service)) {
    const types = generic.methods[key];
    if (!types) throw new Error(`no message types for method ${key}`);
    const request = types.requestType as MessageCodec<unknown>;
    const response = types.responseType as MessageCodec<unknown>;
    out[key] = {
      ...method,
      requestSerialize: (value: unknown) => encodeToBuffer(request, value),
      requestDeserialize: (bytes: Buffer) => request.decode(new NumberInt64Reader(bytes)),
      responseSerialize: (value: unknown) => encodeToBuffer(response, value),
      responseDeserialize: (bytes: Buffer) => response.decode(new NumberInt64Reader(bytes)),
    };
  }
  return out as S;
}
