import type { ChannelCredentials, Client, ClientOptions } from '@grpc/grpc-js';
import { parseAddressList, type AddressList } from '../address-list.js';
import { balancedChannel, type BalancedChannelOptions } from '../balanced-channel.js';
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

/**
 * A client of a service that may run as several instances (see balancedChannel), streamed when
 * `internal.streams` says so (see {@link internalClient}; at least two streams):
 * `balancedClient(LogicServiceClient, LogicServiceService, addresses, { secret, tls, retryable, streams })`.
 */
export function balancedClient<C extends Client>(
  Ctor: new (target: string, credentials: ChannelCredentials, options: Partial<ClientOptions>) => C,
  definition: Parameters<typeof streamedClient>[0],
  addresses: AddressList,
  options: BalancedChannelOptions & { streams?: InternalStreamsConfig | undefined },
): C {
  const { streams, ...channelOptions } = options;
  const channel = balancedChannel(addresses, channelOptions);
  return internalClient(definition, new Ctor(channel.target, channel.credentials, channel.options), {
    streams,
    backends: parseAddressList(addresses).length,
    minStreams: 2,
    retryable: options.retryable,
  });
}
