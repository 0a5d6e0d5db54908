import { readFileSync } from 'node:fs';
import type { LogicConfig } from '@switchboard/config';
import type { Logger } from '@switchboard/log';
import type { Registry } from '@switchboard/metrics';
import type { Authenticate, BusinessApi } from './business-api.js';
import { businessApiMetrics, type BusinessApiMetrics } from './business-api-metrics.js';
import { CallGuard } from './call-guard.js';
import { startBusinessGrpc } from './grpc-server.js';
import { businessHttpServer } from './http-server.js';
import { loadAdminConsole } from './admin-console.js';
import { WEB_CHAT, type DevChatOptions } from './dev-chat.js';
import { loadWebApp } from './web-assets.js';
import { KeyRateLimiter } from './rate-limiter.js';
import { businessRpcs } from './rpc-table.js';

export interface BusinessApiServerOptions {
  /** The listeners' settings (who may read server-wide numbers is the handlers' business). */
  config: { logic: { api: Omit<LogicConfig['api'], 'operatorApps' | 'devChat'> } };
  api: BusinessApi;
  authenticate: Authenticate;
  logger: Logger;
  registry: Registry;
  /** The API's metrics when the caller also reads them (GetServerStats); else made from `registry`. */
  metrics?: BusinessApiMetrics;
  /** The web chat's dev-only API (`logic.api.devChat.enabled`); its page is loaded here. */
  devChat?: Omit<DevChatOptions, 'assets'> | undefined;
}

export interface StartedBusinessApi {
  /** The bound ports (useful when the config asks for 0). */
  httpPort: number;
  grpcPort: number;
  /** Stops both listeners, letting running calls finish for a moment. */
  close(): Promise<void>;
}

/**
 * Starts the business API on `logic.api.host`: HTTP JSON on `httpPort` and gRPC on `grpcPort`,
 * both in front of `api`, authenticated by `authenticate` and limited per API key.
 */
export async function startBusinessApi(options: BusinessApiServerOptions): Promise<StartedBusinessApi> {
  const cfg = options.config.logic.api;
  const logger = options.logger.child({ component: 'business-api' });
  const metrics = options.metrics ?? businessApiMetrics(options.registry);
  const guard = new CallGuard(options.authenticate, new KeyRateLimiter(cfg.ratePerKey), metrics);
  const rpcs = businessRpcs();
  const tls = cfg.tls.enabled
    ? { cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) }
    : undefined;
  const common = { api: options.api, rpcs, guard, metrics, logger, tls };

  const adminConsole = await loadAdminConsole();
  if (!adminConsole) logger.warn('the admin console files are missing; /admin/ is not served');
  let devChat: DevChatOptions | undefined;
  if (options.devChat) {
    devChat = { ...options.devChat, assets: await loadWebApp(WEB_CHAT) };
    if (!devChat.assets) logger.warn('the web chat files are missing; /chat/ serves its API only');
  }
  const http = businessHttpServer({
    ...common,
    bodyLimitBytes: cfg.bodyLimitBytes,
    adminConsole,
    devChat,
  });
  await http.listen({ host: cfg.host, port: cfg.httpPort });
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : cfg.httpPort;
  let grpc;
  try {
    grpc = await startBusinessGrpc(cfg.host, cfg.grpcPort, {
      ...common,
      maxRequestBytes: cfg.bodyLimitBytes,
    });
  } catch (err) {
    await http.close();
    throw err;
  }
  logger.info(
    { host: cfg.host, httpPort, grpcPort: grpc.port, tls: cfg.tls.enabled },
    'business API listening',
  );
  return {
    httpPort,
    grpcPort: grpc.port,
    close: async () => {
      await Promise.all([http.close(), grpc.stop()]);
    },
  };
}
