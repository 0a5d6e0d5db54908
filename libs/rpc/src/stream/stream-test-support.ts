import { Client, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { InternalStreamServiceService } from '@switchboard/proto/rpc';
import { balancedChannel } from '../balanced-channel.js';
import { internalClientOptions } from '../internal-auth.js';
import { decodeReply, type ReplyFrame } from './frame-codec.js';

/**
 * An Exchange stream opened by hand on a stream server, for specs that write frames the streamed
 * client would never write, or watch every reply frame.
 */
export interface RawExchange {
  stream: ClientDuplexStream<Buffer, Buffer>;
  /** Every reply frame received, in order. */
  replies: ReplyFrame[];
  client: Client;
}

export function openRawExchange(port: number, secret: string): RawExchange {
  const client = new Client(`127.0.0.1:${port}`, balancedChannel('x:1', { secret }).credentials, {
    ...internalClientOptions(secret),
  });
  const same = (b: Buffer) => b;
  const path = InternalStreamServiceService.exchange.path;
  const stream = client.makeBidiStreamRequest(path, same, same, new Metadata(), {});
  const replies: ReplyFrame[] = [];
  stream.on('data', (b: Buffer) => replies.push(decodeReply(b)));
  stream.on('error', () => undefined);
  return { stream, replies, client };
}
