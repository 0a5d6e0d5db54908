import type { Config } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import {
  grpcServerLatency,
  Readiness,
  serviceRegistry,
  startHealthServer,
  storeLatency,
  type UpstreamCheck,
} from '@switchboard/metrics';
import { LogicServiceService } from '@switchboard/proto/logic';
import {
  RouteServiceService,
  type RouteServiceClient,
  type RouteServiceServer,
} from '@switchboard/proto/route';
import {
  InProcessServices,
  readInternalTls,
  RETRYABLE_ROUTE_METHODS,
  registerStreamMetrics,
  serveInternal,
  type AddressList,
} from '@switchboard/rpc';
import { appendLockKeys, openConfiguredStorage, type Storage } from '@switchboard/storage';
import { logicHandlers } from './grpc-handlers.js';
import { bindManySizes, logicCounters } from './logic-metrics.js';
import { ConversationList } from './conversation-list.js';
import { GroupAdmin } from './groups/group-admin.js';
import { GroupMessaging } from './groups/group-messaging.js';
import { MessageService } from './message-service.js';
import { MessageStore } from './message-store.js';
import { ReadReceipts } from './read-receipts.js';
import { RoomMessaging } from './room-messaging.js';
import { PushBatcher } from './push-batcher.js';
import { SyncNudger } from './sync-nudger.js';
import { startOfflinePush } from './offline-push.js';
import { GrpcLogicRoutePort, type LogicRoutePort } from './route-port.js';
import { SendBatcher } from './send-batcher.js';
import { SignInService } from './sign-in-service.js';
import { TokenVerifier } from './token-verifier.js';
import { appCredentials, cachedApps, type CachedApps } from './app-credentials.js';
import type { DevChatOptions } from './business-api/dev-chat.js';
import { ApiKeyAuth } from './business/api-key-auth.js';
import { businessHandlers } from './business/business-handlers.js';
import { BusinessMessaging } from './business/business-messaging.js';
import { Presence } from './business/presence.js';
import { UserAdmin } from './business/user-admin.js';
import { businessApiMetrics } from './business-api/business-api-metrics.js';
import { startBusinessApi } from './business-api/start-business-api.js';
import { ServerStats } from './business/server-stats.js';
import { ConversationTraffic } from './conversation-traffic.js';

export interface RunningLogic {
  /** 0 when served in process. */
  grpcPort: number;
  /** Where gates reach LogicService: `host:port`, or `in-process:logic`. */
  address: string;
  /** Bound HTTP port (`/healthz`, `/metrics`). */
  httpPort: number;
  /** Bound ports of the business API (HTTP `/v1/...` and gRPC BusinessService). */
  api: { httpPort: number; grpcPort: number };
  storage: Storage;
  stop(): Promise<void>;
}

export interface StartLogicOptions {
  config: Config;
  logger: Logger;
  /** Storage opened by the caller (tests, standalone); otherwise opened from config and closed on stop. */
  storage?: Storage;
  route?: LogicRoutePort;
  /**
   * Services of this process (the embedded suite): LogicService is served there instead of on a
   * gRPC listener, and a `logic.routeAddress` of theirs (`in-process:route`) is called without gRPC.
   */
  inProcess?: InProcessServices;
  /**
   * The WebSocket gate the web chat's page connects to (`logic.api.devChat`): the embedded suite
   * knows it once its gate listens. Default: `gate.host`, `gate.ws.port` and `gate.ws.path`.
   */
  devChatGateway?: () => string | undefined;
}

/** A client for a route served in this process when `routeAddress` names one (`in-process:route`). */
function inProcessRouteClient(
  routeAddress: AddressList,
  inProcess: InProcessServices | undefined,
): RouteServiceClient | undefined {
  if (!inProcess || typeof routeAddress !== 'string' || !InProcessServices.isAddress(routeAddress))
    return undefined;
  return inProcess
    .channel<RouteServiceServer>(routeAddress, { retryable: RETRYABLE_ROUTE_METHODS })
    .client(RouteServiceService);
}

/** The web chat's dev-only API when `logic.api.devChat.enabled`, else none (its routes do not exist). */
function devChatOptions(
  config: Config,
  options: StartLogicOptions,
  apps: CachedApps,
  presence: Presence,
  groups: GroupAdmin,
): Omit<DevChatOptions, 'assets'> | undefined {
  const { enabled, app } = config.logic.api.devChat;
  if (!enabled) return undefined;
  const { host, ws } = config.gate;
  return {
    appId: app,
    secret: async () => (await apps(app))?.tokenSecret,
    presence,
    groups,
    gatewayUrl: options.devChatGateway ?? (() => `ws://${host}:${ws.port}${ws.path}`),
  };
}

/** Builds and starts the logic service; stop() shuts down in reverse order. */
export async function startLogic(options: StartLogicOptions): Promise<RunningLogic> {
  const { config } = options;
  const log = options.logger.child({ component: 'logic' });
  const registry = serviceRegistry();
  registerStreamMetrics(registry);
  const tls = readInternalTls(config.internal.tls);
  const storage =
    options.storage ?? (await openConfiguredStorage(config, undefined, storeLatency(registry, 'db')));
  const route =
    options.route ??
    new GrpcLogicRoutePort(
      config.logic.routeAddress,
      { secret: config.internal.secret, tls, streams: config.internal.streams },
      config.logic.routeTimeoutMs,
      inProcessRouteClient(config.logic.routeAddress, options.inProcess),
      bindManySizes(registry),
    );
  const apps = cachedApps(storage);
  const tokens = new TokenVerifier(appCredentials(apps));
  const counters = logicCounters(registry);
  const apiMetrics = businessApiMetrics(registry);
  const batcher = new SendBatcher(
    (batch, seqsTaken) => {
      counters.add('send_batches');
      counters.add('send_batch_messages', batch.length);
      return storage.messages.append(batch, seqsTaken);
    },
    config.logic.sendBatchMaxDelayMs,
    config.logic.sendBatchMaxSize,
    {
      maxQueued: config.logic.maxQueuedSends,
      maxQueueWaitMs: config.logic.maxSendQueueWaitMs,
      maxInFlight: config.logic.sendBatchesInFlight,
      ...(config.logic.sendBatchLockAware ? { lockKeys: appendLockKeys } : {}),
    },
  );
  const nudger = new SyncNudger(route, counters);
  const offlinePush = startOfflinePush(config, apps, registry, log);
  const pushes = new PushBatcher(route, nudger, counters, log, {
    maxCallsInFlight: config.logic.maxPushCallsInFlight,
    ...(offlinePush ? { offline: offlinePush.sink } : {}),
  });
  const limits = {
    maxContentBytes: config.logic.maxContentBytes,
    syncLimitMax: config.logic.syncLimitMax,
    syncMaxBytes: config.logic.syncMaxBytes,
    maxPushBacklog: config.logic.maxPushBacklog,
    maxPushLagMs: config.logic.maxPushLagMs,
  };
  const store = new MessageStore(batcher, pushes, limits, counters);
  const traffic = new ConversationTraffic();
  const groupMessaging = new GroupMessaging(storage, store, pushes, route, limits, counters, log, traffic);
  const rooms = new RoomMessaging(
    apps,
    route,
    { maxContentBytes: limits.maxContentBytes, allowClientRoomSends: config.logic.allowClientRoomSends },
    counters,
    traffic,
  );
  const messages = new MessageService(storage, store, pushes, limits, counters, groupMessaging, rooms);
  const signIn = new SignInService(
    storage,
    tokens,
    route,
    config.gate.heartbeatIntervalMs,
    config.logic.tags,
    config.logic.devices,
    counters,
  );
  const presence = new Presence(route);
  const groupAdmin = new GroupAdmin(
    storage,
    groupMessaging,
    route,
    {
      largeGroupMinMembers: config.logic.largeGroupMinMembers,
      maxGroupMembers: config.logic.maxGroupMembers,
    },
    counters,
    log,
  );
  const business = businessHandlers({
    users: new UserAdmin(storage, route, config.logic.tags),
    messaging: new BusinessMessaging(
      storage,
      messages,
      groupMessaging,
      route,
      {
        maxContentBytes: config.logic.maxContentBytes,
        historyLimitMax: config.logic.syncLimitMax,
        historyMaxBytes: config.logic.syncMaxBytes,
        tags: config.logic.tags,
      },
      traffic,
    ),
    presence,
    groups: groupAdmin,
    stats: new ServerStats(route, counters, traffic, {
      operatorApps: config.logic.api.operatorApps,
      apiErrors: () => apiMetrics.errors(),
    }),
  });
  const apiKeys = new ApiKeyAuth(storage);
  const server = await serveInternal(
    config.logic.host,
    config.logic.grpcPort,
    {
      definition: LogicServiceService,
      implementation: {
        ...logicHandlers(
          {
            signIn,
            messages,
            groups: groupMessaging,
            reads: new ReadReceipts(storage, pushes, counters),
            conversations: new ConversationList(storage),
          },
          log,
          counters,
        ),
      },
    },
    {
      secret: config.internal.secret,
      tls,
      observe: grpcServerLatency(registry),
      streamMaxAgeMs: config.internal.streams.maxAgeSeconds * 1000,
      inProcess: options.inProcess && { services: options.inProcess, name: 'logic' },
    },
  );
  // Ready while the database and route answer; an unreachable one is logged at error level.
  const checks: UpstreamCheck[] = [
    // Any indexed read proves the pool can reach the database.
    { name: storage.dialect, check: async () => void (await storage.apps.get('readyz-probe')) },
  ];
  if (route.reachable)
    checks.push({ name: `route at ${route.address ?? '?'}`, check: () => route.reachable!() });
  const readiness = new Readiness({ checks, logger: log });
  await readiness.start();

  let stopping = false;
  // The business HTTP API will share this port; for now it serves health and metrics.
  const http = await startHealthServer(config.logic.host, config.logic.httpPort, {
    healthy: () => !stopping,
    readiness,
    metrics: () => registry.metrics(),
  });
  const api = await startBusinessApi({
    config,
    api: business,
    authenticate: apiKeys.authenticate,
    logger: log,
    registry,
    metrics: apiMetrics,
    devChat: devChatOptions(config, options, apps, presence, groupAdmin),
  });
  log.info(
    {
      grpcPort: server.port,
      httpPort: http.port,
      api: { httpPort: api.httpPort, grpcPort: api.grpcPort },
      storage: storage.dialect,
      ready: readiness.ready,
    },
    readiness.ready ? 'logic started' : 'logic started, but NOT READY: an upstream is unreachable',
  );
  return {
    grpcPort: server.port,
    address: server.address,
    httpPort: http.port,
    api: { httpPort: api.httpPort, grpcPort: api.grpcPort },
    storage,
    stop: async () => {
      stopping = true;
      readiness.stop();
      await api.close();
      await server.stop();
      pushes.stop();
      await store.drain();
      nudger.stop();
      await offlinePush?.stop();
      if (!options.route) route.close();
      if (!options.storage) await storage.close();
      await http.close();
      log.info('logic stopped');
    },
  };
}
