// A minimal request/response protocol over one long-lived bidirectional gRPC stream, for
// bench/rpc/unary-vs-stream.ts only (not a proto of the suite: nothing under proto/ changes).
// Each frame is `message Frame { uint32 id = 1; <message> body = 2; }` on the wire: a request frame
// carries a GateService DeliverRequest, the answer frame the same id and a DeliverResponse, written
// with the same writer (what ts-proto does for a nested message), so a frame costs one encode as a
// unary call's message does.
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  Client,
  Metadata,
  type ClientDuplexStream,
  type ClientOptions,
  type ChannelCredentials,
  type ServerDuplexStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { DeliverRequest, DeliverResponse } from '@switchboard/proto/conn';
import { asBuffer } from '@switchboard/protocol';

/** Frame.id (field 1, varint) and Frame.body (field 2, length-delimited), as keys on the wire. */
const ID_TAG = (1 << 3) | 0;
const BODY_TAG = (2 << 3) | 2;

const same = (b: Buffer): Buffer => b;

/** The bench's stream service: frames travel as raw bytes, encoded and decoded by the callers. */
export const StreamBenchService = {
  deliverStream: {
    path: '/switchboard.bench.v1.StreamBench/DeliverStream',
    requestStream: true,
    responseStream: true,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
} satisfies ServiceDefinition;

function frame<T>(id: number, body: T, encode: (m: T, w: BinaryWriter) => BinaryWriter): Buffer {
  const writer = new BinaryWriter();
  writer.uint32(ID_TAG).uint32(id);
  encode(body, writer.uint32(BODY_TAG).fork()).join();
  return asBuffer(writer.finish());
}

function unframe<T>(bytes: Buffer, decode: (r: BinaryReader, length: number) => T): { id: number; body: T } {
  const reader = new BinaryReader(bytes);
  let id = 0;
  let body: T | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ID_TAG) id = reader.uint32();
    else if (tag === BODY_TAG) body = decode(reader, reader.uint32());
    else reader.skip(tag & 7);
  }
  if (body === undefined) throw new Error(`frame ${id} without a body`);
  return { id, body };
}

/**
 * The server side: answers every request frame at once with `answer(request)` under the same id.
 * Registered through startGrpcServer, so the internal credential is checked once, when the stream
 * opens.
 */
export function serveDeliverStream(answer: (r: DeliverRequest) => DeliverResponse) {
  return (call: ServerDuplexStream<Buffer, Buffer>): void => {
    call.on('data', (bytes: Buffer) => {
      const { id, body } = unframe(bytes, (r, n) => DeliverRequest.decode(r, n));
      call.write(frame(id, answer(body), DeliverResponse.encode));
    });
    call.on('end', () => call.end());
  };
}

interface Pending {
  resolve(r: DeliverResponse): void;
  reject(err: Error): void;
}

/**
 * The client side: one stream opened with the channel's options (the internal-auth interceptor
 * puts the secret on the stream's one header block), requests matched to answers by id.
 */
export class DeliverStreamClient {
  private readonly client: Client;
  private readonly stream: ClientDuplexStream<Buffer, Buffer>;
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;

  constructor(target: string, credentials: ChannelCredentials, options: Partial<ClientOptions>) {
    this.client = new Client(target, credentials, options);
    const m = StreamBenchService.deliverStream;
    this.stream = this.client.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      new Metadata(),
      {},
    );
    this.stream.on('data', (bytes: Buffer) => {
      const { id, body } = unframe(bytes, (r, n) => DeliverResponse.decode(r, n));
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve(body);
    });
    this.stream.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Sends `request` as one frame; settles with the frame answering it. */
  deliver(request: DeliverRequest): Promise<DeliverResponse> {
    // Ids wrap at 2^32; only the ones in flight need to be unique.
    const id = (this.lastId = (this.lastId + 1) >>> 0);
    return new Promise<DeliverResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.stream.write(frame(id, request, DeliverRequest.encode));
    });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }
}
