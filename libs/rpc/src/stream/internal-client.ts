import type { Client } from '@grpc/grpc-js';
import { streamedClient } from './stream-client.js';

/** `internal.streams` of the configuration. */
export interface InternalStreamsConfig {
  /** Carry the internal unary calls on long-lived streams (a server without them gets unary calls). */
  enabled: boolean;
  /** Streams per instance of the service called. */
  perBackend: number;
  /** A server drains a stream this old (the credential is checked again on the next). */
  maxAgeSeconds: number;
}

/**
 * A service's client as the suite uses it: the ts-proto client `unary` as it is, or, with
 * `internal.streams.enabled`, a {@link streamedClient} over it with `perBackend` streams per
 * address of the list (at least `minStreams`: two over a balanced channel, where a DNS name may
 * stand for several instances and a second stream keeps calls flowing while one is replaced).
 */
export function internalClient<C extends Client>(
  definition: Parameters<typeof streamedClient>[0],
  unary: C,
  options: {
    streams?: InternalStreamsConfig | undefined;
    /** Entries of the address list the channel balances over (1 for a single address). */
    backends: number;
    minStreams: number;
    retryable?: ReadonlyArray<{ readonly path: string }> | undefined;
  },
): C {
  const { streams } = options;
  if (!streams?.enabled) return unary;
  return streamedClient(definition, unary, {
    streams: Math.max(options.backends * streams.perBackend, options.minStreams),
    backends: options.backends,
    ...(options.retryable ? { retryable: options.retryable } : {}),
  });
}
