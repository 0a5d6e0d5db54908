import { z } from 'zod';
import {
  bool,
  bytes,
  count,
  durationMs,
  grpcAddresses,
  nonEmptyText,
  oneOf,
  port,
  section,
  text,
  textList,
  uri,
  wholeNumber,
} from './schema-fields.js';

// Defaults live in config/default.yaml, not here: one place to read them, and loading that file
// alone must validate, which proves it names every key.

/** Log levels understood by @switchboard/log (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const tls = section({
  enabled: bool(),
  /** PEM certificate chain; required when enabled. */
  certFile: text(),
  /** PEM private key; required when enabled. */
  keyFile: text(),
}).superRefine((value, ctx) => {
  if (!value.enabled) return;
  for (const key of ['certFile', 'keyFile'] as const) {
    if (value[key] === '') {
      ctx.addIssue({ code: 'custom', path: [key], message: 'expected a file path when tls.enabled is true' });
    }
  }
});

/** The `/healthz` + `/metrics` HTTP listener of a service. */
const health = section({ enabled: bool(), port: port() });

const gate = section({
  /** Gate instance id; empty means `gate-<host name>-<random hex>`, chosen anew at every start. */
  id: text(),
  /** Interface the gate's listeners bind to. */
  host: nonEmptyText(),
  /** `host:port` that route dials to deliver to this gate; empty means derived from host and grpcPort. */
  advertiseAddress: text(),
  grpcPort: port(),
  tcp: section({ port: port(), tls }),
  ws: section({
    port: port(),
    path: z.string({ error: 'expected a path starting with "/"' }).startsWith('/', {
      error: 'expected a path starting with "/"',
    }),
    /** Largest WebSocket message accepted, in bytes. */
    maxPayload: bytes(1),
    perMessageDeflate: bool(),
    /** Origins allowed to open a WebSocket; empty allows any. */
    allowedOrigins: textList(),
    tls,
  }),
  signInTimeoutMs: durationMs(1),
  heartbeatIntervalMs: durationMs(1),
  heartbeatTimeoutMs: durationMs(1),
  /** Largest TCP frame body accepted; a larger declared length closes the connection. */
  maxFrameBytes: bytes(16),
  /** Bytes queued for one connection past which it is cut off as a slow reader. */
  sendQueueMaxBytes: bytes(1024),
  rateLimit: section({ packetsPerSecond: count(1), burst: count(1) }),
  leaseTtlMs: durationMs(1),
  leaseRenewMs: durationMs(1),
  /** How long a stopping gate waits for connections to leave before closing them. */
  drainTimeoutMs: durationMs(0),
  /** Deadline of one call from the gate to logic or route. */
  upstreamTimeoutMs: durationMs(1),
  /** Client requests waiting on logic at once (admission control); past it: RATE_LIMITED. */
  maxInflightRequests: count(1),
  /** Connections one gate holds at most (each past it is closed with TOO_MANY_CONNECTIONS). */
  maxConnections: count(1),
  /** Connections from one IP address at most; 0 means no limit (behind a proxy every client has its address). */
  maxConnectionsPerIp: count(0),
  /** New connections per second (and burst) from one IP address; perSecond 0 means no limit. */
  connectRatePerIp: section({ perSecond: count(0), burst: count(1) }),
  /** Rooms one connection may subscribe to (LIMIT_EXCEEDED past it). */
  maxRoomsPerConnection: count(1),
  /** After logic answers a send RATE_LIMITED, sends are refused at the gate for this long (0: never). */
  busyBackoffMs: durationMs(0),
  health,
}).superRefine((value, ctx) => {
  if (value.heartbeatTimeoutMs <= value.heartbeatIntervalMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['heartbeatTimeoutMs'],
      message: `expected more than gate.heartbeatIntervalMs (${value.heartbeatIntervalMs})`,
    });
  }
  if (value.leaseRenewMs >= value.leaseTtlMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['leaseRenewMs'],
      message: `expected less than gate.leaseTtlMs (${value.leaseTtlMs})`,
    });
  }
});

const route = section({
  host: nonEmptyText(),
  grpcPort: port(),
  store: oneOf(['memory', 'redis']),
  /** Deadline of one delivery call from route to a gate. */
  gateCallTimeoutMs: durationMs(1),
  /** How often route removes gates whose lease lapsed (and their bindings). */
  expireEveryMs: durationMs(1),
  health,
});

const logic = section({
  host: nonEmptyText(),
  grpcPort: port(),
  httpPort: port(),
  /** Route instances to call: one address, a comma-separated list, a list, or a DNS name with several records. */
  routeAddress: grpcAddresses(),
  /** Deadline of one call from logic to route (bind, deliver). */
  routeTimeoutMs: durationMs(1),
  storage: oneOf(['sqlite', 'mysql']),
  /** Most messages one sync request may return. */
  syncLimitMax: count(1, 10_000),
  /**
   * Most bytes of messages one SYNC or HISTORY page carries (a single larger message still goes
   * out alone). Keep it well under `gate.sendQueueMaxBytes`; capped at 4 MiB, a quarter of the
   * 16 MiB gRPC message limit (libs/rpc `GRPC_MAX_MESSAGE_BYTES`).
   */
  syncMaxBytes: bytes(1024, 4 * 1024 * 1024),
  /** Group commit: how long the first send of a batch waits for others. */
  sendBatchMaxDelayMs: durationMs(0),
  /** Group commit: most sends in one transaction. */
  sendBatchMaxSize: count(1, 10_000),
  /** Group commit: transactions written at once (SQLite, with one writer, runs them one by one). */
  sendBatchesInFlight: count(1, 16),
  /** Group commit: a batch leaves out the sends that would wait for a batch in flight's row locks. */
  sendBatchLockAware: bool(),
  /**
   * Largest message content accepted, in bytes. Capped at 4 MiB so that one message, which a page
   * always carries whatever its size, stays well inside the 16 MiB gRPC message limit.
   */
  maxContentBytes: bytes(1, 4 * 1024 * 1024),
  /** Sends waiting for group commit (admission control); past it: RATE_LIMITED. */
  maxQueuedSends: count(1),
  /** Age of the oldest send waiting for group commit past which new sends are refused with RATE_LIMITED. */
  maxSendQueueWaitMs: count(1),
  /**
   * Concurrent DeliverToUsers calls to route: users are spread over this many call slots of one call
   * each, which keeps each user's pushes in order; pushes made meanwhile wait and join one batch.
   */
  maxPushCallsInFlight: count(1, 1024),
  /** Push packets accepted and not yet delivered past which new sends are refused with RATE_LIMITED. */
  maxPushBacklog: count(1),
  /** Age of the oldest undelivered push past which new sends are refused with RATE_LIMITED. */
  maxPushLagMs: count(1),
  /** How many devices one user may have, and what a new one past that does. */
  devices: section({
    maxPerUser: count(1),
    /** `refuse` the new device (LIMIT_EXCEEDED) or `drop_oldest`: forget the one signed in longest ago. */
    policy: oneOf(['refuse', 'drop_oldest']),
  }),
  /** Where a connection's tags come from, and how many. */
  tags: section({
    /** Accept SignInRequest.tags from clients (else only the token's `tags` claim counts). */
    allowClientDeclared: bool(),
    maxPerConnection: count(0, 1024),
    /** Longest tag, in characters. */
    maxLength: count(1, 256),
  }),
  /** Member count from which a group uses read fan-out instead of write fan-out. */
  largeGroupMinMembers: count(2),
  /** Most members of one group (LIMIT_EXCEEDED past it). */
  maxGroupMembers: count(2),
  /**
   * Whether clients may SEND to a room they subscribe to (live, not stored); an app's own setting
   * (`switchboard app set --allow-room-sends`) overrides it.
   */
  allowClientRoomSends: bool(),
  /** The business API that an app's own servers call with their API key (HTTP JSON and gRPC). */
  api: section({
    /** Interface both listeners bind to. */
    host: nonEmptyText(),
    /** `POST /v1/<rpc>` JSON and `GET /v1/openapi.json`. */
    httpPort: port(),
    /** `switchboard.business.v1.BusinessService`, apart from logic's internal gRPC port. */
    grpcPort: port(),
    /** Largest HTTP request body accepted (PAYLOAD_TOO_LARGE past it). */
    bodyLimitBytes: bytes(1024, 64 * 1024 * 1024),
    /** Calls per second (and burst) one API key may make over both transports; perSecond 0 means no limit. */
    ratePerKey: section({ perSecond: count(0), burst: count(1) }),
    /** TLS for both listeners (certificate and key in PEM); plaintext when off. */
    tls,
    /**
     * Apps whose API keys may read server-wide numbers (GetServerStats: every gate, every app's
     * traffic); any other key is refused PERMISSION_DENIED. The admin console needs one of them.
     */
    operatorApps: textList(),
    /**
     * The web chat at `/chat/` with its dev-only endpoints: a token for ANY user of `app`, minted
     * with the app's secret, for whoever can reach the port. For trying things out (on in the
     * embedded profile); off by default and in production, where the routes do not exist.
     */
    devChat: section({ enabled: bool(), app: nonEmptyText() }),
  }),
  /**
   * The offline-push webhook: a stored message whose recipient has no device online becomes an event
   * POSTed to the app's webhook (set with `switchboard app webhook set`), signed, retried, dead-lettered.
   */
  offlinePush: section({
    enabled: bool(),
    /** `redis` (a Redis Stream shared by every logic instance) or `memory` (one process only). */
    queue: oneOf(['memory', 'redis']),
    /** POST attempts before an event goes to the dead-letter list. */
    maxAttempts: count(1, 100),
    backoffBaseMs: durationMs(1),
    backoffMaxMs: durationMs(1),
    /** Deadline of one POST. */
    timeoutMs: durationMs(1),
    /** POSTs in flight per logic instance. */
    concurrency: count(1, 1024),
    /** Characters of a text message's content put in the event's preview (0: none). */
    previewChars: count(0, 1000),
    /** `memory` queue: events held; more are dropped and counted. */
    memoryMaxQueued: count(1),
    /** `redis` queue: events held (stream plus scheduled retries); more are dropped and counted. */
    redisMaxLen: count(1),
    /** `redis` queue: an event a crashed worker held this long is taken over by another. Above timeoutMs. */
    claimIdleMs: durationMs(1),
  }),
});

/** Shortest internal secret accepted (each entry of a comma-separated list). */
export const INTERNAL_SECRET_MIN_LENGTH = 32;

/**
 * Profiles that run every service in one process (or are only a base for tests): there an empty
 * `internal.secret` is replaced by a random one at load time, shared by the in-process services.
 * Every other profile must be given a secret.
 */
export const SELF_CONTAINED_PROFILES: readonly string[] = ['embedded', 'default'];

/** The entries of `internal.secret`: one secret, or several separated by commas during a rotation. */
export function internalSecrets(secret: string): string[] {
  return secret
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Mutual TLS between the services (optional; plaintext when off). */
const internalTls = section({
  enabled: bool(),
  /** PEM CA that signs every service's certificate; peers it did not sign are refused. */
  caFile: text(),
  /** PEM certificate of this service (server and client), naming `serverName`. */
  certFile: text(),
  keyFile: text(),
  /** The DNS name every service's certificate carries; clients check it instead of the address. */
  serverName: nonEmptyText(),
}).superRefine((value, ctx) => {
  if (!value.enabled) return;
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    if (value[key] === '') {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'expected a file path when internal.tls.enabled is true',
      });
    }
  }
});

const internal = section({
  /**
   * Shared secret every internal gRPC call carries (`sb-internal-auth` metadata); calls without it
   * are refused with UNAUTHENTICATED. Several, comma-separated, during a rotation: servers accept
   * each, clients send the first. Empty only in the embedded profile (a random one per run).
   */
  secret: text(),
  tls: internalTls,
  /**
   * Long-lived streams between the services: each service's unary calls to another travel as frames
   * on a few bidirectional streams (perBackend per instance) instead of one HTTP/2 stream each.
   * A server drains a stream after maxAgeSeconds, so a rotated secret is checked again.
   */
  streams: section({ enabled: bool(), perBackend: count(1, 16), maxAgeSeconds: count(1, 86_400) }),
});

/** The whole configuration as validated at start-up. */
export const configSchema = section({
  /** Name of the profile that was loaded. */
  profile: nonEmptyText(),
  /** Directory for local state (the SQLite file in embedded mode). */
  dataDir: nonEmptyText(),
  log: section({ level: oneOf(LOG_LEVELS), pretty: bool() }),
  gate,
  route,
  logic,
  /** Where gates find logic and route. */
  gateClient: section({
    /** Logic instances: one address, a comma-separated list, a list, or a DNS name with several records. */
    logicAddress: grpcAddresses(),
    /** Route instances, in the same forms. */
    routeAddress: grpcAddresses(),
  }),
  sqlite: section({ file: nonEmptyText() }),
  mysql: section({
    uri: uri(['mysql']),
    poolSize: wholeNumber(1, 1000, 'expected whole number between 1 and 1000'),
  }),
  redis: section({ url: uri(['redis', 'rediss']), keyPrefix: text() }),
  /** Authentication between the services (gate, logic, route). */
  internal,
}).superRefine((value, ctx) => {
  const secrets = internalSecrets(value.internal.secret);
  const hint = 'set SWITCHBOARD_INTERNAL__SECRET, e.g. to the output of `openssl rand -base64 48`';
  if (secrets.length === 0 && !SELF_CONTAINED_PROFILES.includes(value.profile)) {
    ctx.addIssue({
      code: 'custom',
      path: ['internal', 'secret'],
      message: `expected a shared secret of at least ${INTERNAL_SECRET_MIN_LENGTH} characters in the ${value.profile} profile (${hint})`,
    });
  } else if (secrets.some((s) => s.length < INTERNAL_SECRET_MIN_LENGTH)) {
    ctx.addIssue({
      code: 'custom',
      path: ['internal', 'secret'],
      message: `expected every secret to be at least ${INTERNAL_SECRET_MIN_LENGTH} characters (${hint})`,
    });
  }
});

/** Typed configuration shared by every app. */
export type Config = z.output<typeof configSchema>;
export type LogConfig = Config['log'];
export type GateConfig = Config['gate'];
export type TlsConfig = GateConfig['tcp']['tls'];
export type RouteConfig = Config['route'];
export type LogicConfig = Config['logic'];
export type GateClientConfig = Config['gateClient'];
export type SqliteConfig = Config['sqlite'];
export type MysqlConfig = Config['mysql'];
export type RedisConfig = Config['redis'];
export type InternalConfig = Config['internal'];
