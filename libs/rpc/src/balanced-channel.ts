import { GRPC_CHANNEL_OPTIONS } from './channel-options.js';
import type { ChannelCredentials, ClientOptions } from '@grpc/grpc-js';
import { parseAddressList, type AddressList } from './address-list.js';
import { internalAuthInterceptor } from './internal-auth.js';
import { internalChannel, type InternalTls } from './internal-tls.js';
import { LIST_SCHEME, registerListResolver } from './list-resolver.js';
import { RETRY_BACKOFF } from './retry-backoff.js';

/** Retries of one call, the first attempt included (gRPC allows at most 5). */
export const MAX_ATTEMPTS = 3;

export interface BalancedChannelOptions {
  /** `internal.secret`: every call carries its first entry in `sb-internal-auth` metadata. */
  secret: string;
  /** Mutual TLS (`internal.tls`); plaintext when undefined. */
  tls?: InternalTls | undefined;
  /**
   * Methods that are safe to send again, as ts-proto method definitions (`LogicServiceService.send`).
   * A call to one of them that fails with UNAVAILABLE before any answer arrived is retried (on the
   * next instance, since round_robin moves on), up to {@link MAX_ATTEMPTS} within its deadline.
   */
  retryable?: ReadonlyArray<{ readonly path: string }>;
}

/** What a ts-proto grpc-js client constructor takes besides credentials. */
export interface BalancedChannel {
  target: string;
  /** Mutual TLS credentials, or insecure ones (plaintext). */
  credentials: ChannelCredentials;
  /** Channel options plus the interceptor that authenticates every call. */
  options: Partial<ClientOptions>;
}

/**
 * The one way this code base builds a client channel to a service that may run as several
 * instances. `addresses` is one address, a comma-separated list or an array (see
 * {@link AddressList}); every entry is resolved (DNS names to all their addresses) and calls are
 * spread round-robin over the instances whose connection is up. An instance that goes away drops
 * out at once (its connection closes, or keepalive pings go unanswered) and is dialled again with a
 * back-off capped at a few seconds, so a restarted instance gets traffic again soon after it is up.
 *
 * Every call carries the internal credential (`options.secret`).
 *
 * Usage: `const { target, credentials, options } = balancedChannel(addrs, { secret, tls, retryable });
 * new LogicServiceClient(target, credentials, options)`.
 */
export function balancedChannel(addresses: AddressList, options: BalancedChannelOptions): BalancedChannel {
  registerListResolver();
  const entries = parseAddressList(addresses);
  const names = (options.retryable ?? []).map((m) => {
    const [service, method] = m.path.replace(/^\//, '').split('/');
    return { service, method };
  });
  const serviceConfig = {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig:
      names.length === 0
        ? []
        : [
            {
              name: names,
              retryPolicy: {
                maxAttempts: MAX_ATTEMPTS,
                initialBackoff: `${RETRY_BACKOFF.initialMs / 1000}s`,
                maxBackoff: `${RETRY_BACKOFF.maxMs / 1000}s`,
                backoffMultiplier: RETRY_BACKOFF.multiplier,
                retryableStatusCodes: ['UNAVAILABLE'],
              },
            },
          ],
    // Retries stop while failures outnumber successes (every instance failing), so an outage does
    // not triple the load; one broken instance among healthy ones keeps being retried around.
    retryThrottling: { maxTokens: 10, tokenRatio: 1 },
  };
  const channel = internalChannel(options.tls);
  return {
    target: `${LIST_SCHEME}:///${entries.join(',')}`,
    credentials: channel.credentials,
    options: {
      ...GRPC_CHANNEL_OPTIONS,
      ...channel.options,
      'grpc.service_config': JSON.stringify(serviceConfig),
      // Our services publish no service config in DNS TXT records; skip the lookup.
      'grpc.service_config_disable_resolution': 1,
      'grpc.dns_min_time_between_resolutions_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 3_000,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      interceptors: [internalAuthInterceptor(options.secret)],
    },
  };
}
