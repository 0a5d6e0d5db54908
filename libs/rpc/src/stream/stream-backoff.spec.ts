import { Metadata, Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { GateServiceClient, GateServiceService } from '@switchboard/proto/conn';
import { afterEach, describe, expect, it } from 'vitest';
import { balancedChannel, MAX_ATTEMPTS } from '../balanced-channel.js';
import { call } from '../call.js';
import type { RpcError } from '../rpc-error.js';
import { RawInternalStreamService } from './raw-service.js';
import { streamedClient, type StreamedClientOptions } from './stream-client.js';
import { streamStats } from './stream-stats.js';

const SECRET = 'stream-backoff-spec-internal-secret-0123456789';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A stream server that accepts every stream and ends it at once: a flapping backend. */
async function acceptAndEnd(): Promise<{ port: number; opened: () => number }> {
  let opened = 0;
  const server = new Server();
  server.addService(RawInternalStreamService, {
    exchange: (stream: ServerDuplexStream<Buffer, Buffer>) => {
      opened++;
      stream.on('error', () => undefined);
      stream.sendMetadata(new Metadata());
      stream.end();
    },
  });
  const port = await bind(server);
  closers.push(() => server.forceShutdown());
  return { port, opened: () => opened };
}

function streamed(port: number, options: StreamedClientOptions = {}): GateServiceClient {
  const retryable = [GateServiceService.stats];
  const channel = balancedChannel(`127.0.0.1:${port}`, { secret: SECRET, retryable });
  const unary = new GateServiceClient(channel.target, channel.credentials, channel.options);
  const client = streamedClient(GateServiceService, unary, { retryable, streams: 1, ...options });
  closers.push(() => client.close());
  return client;
}

/** The error code a call ends with. */
async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as RpcError).code;
  }
}

const stats = (client: GateServiceClient, timeoutMs: number) =>
  codeOf(call(client, client.stats, {}, new Metadata(), timeoutMs));

/** The codes of `frames` calls made one every few ms, as a gate's keep coming. */
async function callsAtPace(client: GateServiceClient, frames: number): Promise<Array<ErrorCode | 'ok'>> {
  const calls: Array<Promise<ErrorCode | 'ok'>> = [];
  for (let i = 0; i < frames; i++) {
    calls.push(stats(client, 10_000));
    await new Promise((r) => setTimeout(r, 5));
  }
  return Promise.all(calls);
}

describe('a streamed client against a failing backend', () => {
  it('backs off between streams instead of reopening one per attempt of every call', async () => {
    const backend = await acceptAndEnd();
    const client = streamed(backend.port, { backoff: { initialMs: 20, maxMs: 200 } });
    const frames = 60;
    const sentBefore = streamStats.framesSent;
    // Every stream ends as soon as it opens.
    const codes = await callsAtPace(client, frames);
    expect(codes.every((c) => c === ErrorCode.ERROR_CODE_UNAVAILABLE)).toBe(true);
    expect(streamStats.framesSent - sentBefore).toBeLessThanOrEqual(frames * MAX_ATTEMPTS);
    // Without a back-off every attempt of every call opened a stream of its own (about 3 per call).
    expect(backend.opened()).toBeLessThanOrEqual(frames / 2);
  });

  it('fails a call UNAVAILABLE at once when the next stream may only open after its deadline', async () => {
    const backend = await acceptAndEnd();
    const client = streamed(backend.port, { backoff: { initialMs: 600_000, maxMs: 600_000 } });
    const heldBefore = streamStats.framesHeld;
    // Not TIMEOUT at its deadline: the resend waits for a stream that cannot come in time.
    expect(await stats(client, 60_000)).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(backend.opened()).toBe(1);
    // A new call does not wait for that stream either.
    expect(await stats(client, 60_000)).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(backend.opened()).toBe(1);
    expect(streamStats.framesHeld).toBe(heldBefore + 1);
  });

  it('opens a bounded number of streams to a backend that is down', async () => {
    const port = await closedPort();
    const client = streamed(port, { backoff: { initialMs: 20, maxMs: 200 } });
    const failedBefore = streamStats.clientStreamsFailed;
    const frames = 40;
    const codes = await callsAtPace(client, frames);
    expect(codes.every((c) => c === ErrorCode.ERROR_CODE_UNAVAILABLE)).toBe(true);
    expect(streamStats.clientStreamsFailed - failedBefore).toBeLessThanOrEqual(frames / 2);
  });
});

/** A port nothing listens on: a server bound it, then stopped (rpc's specs keep clear of libs/testing). */
async function closedPort(): Promise<number> {
  const server = new Server();
  const port = await bind(server);
  server.forceShutdown();
  return port;
}

function bind(server: Server): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}
