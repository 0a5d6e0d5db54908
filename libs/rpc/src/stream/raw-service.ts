import type { ServiceDefinition } from '@grpc/grpc-js';
import { InternalStreamServiceService } from '@switchboard/proto/rpc';

const same = (b: Buffer): Buffer => b;

/**
 * InternalStreamService as grpc-js sees it on both sides: frames pass as the encoded bytes, which
 * frame-codec.ts reads and writes (the generated definition would decode them into objects).
 */
export const RawInternalStreamService = {
  exchange: {
    ...InternalStreamServiceService.exchange,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
} satisfies ServiceDefinition;
