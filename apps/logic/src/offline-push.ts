import type { Config } from '@switchboard/config';
import { LogSummary, type Logger } from '@switchboard/log';
import {
  MemoryOfflinePushQueue,
  OfflinePushEmitter,
  OfflinePushMetrics,
  RedisStreamOfflinePushQueue,
  WebhookWorker,
  type OfflinePushQueue,
} from '@switchboard/offline-push';
import type { Storage } from '@switchboard/storage';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { OfflineSink } from './push-batcher.js';
import type { OfflineNotice } from './route-port.js';

export interface RunningOfflinePush {
  sink: OfflineSink;
  stop(): Promise<void>;
}

/** How long an app's webhook setting is trusted before it is read again. */
const WEBHOOK_CACHE_MS = 5_000;

/**
 * The offline-push webhook in logic: notices of stored messages whose recipient had no device online
 * become events on a queue (Redis Stream or memory), and a worker on every logic instance POSTs them
 * to the app's webhook. Apps without a webhook cost one cached lookup per notice, nothing queued.
 */
export function startOfflinePush(
  config: Config,
  storage: Storage,
  registry: Registry,
  log: Logger,
): RunningOfflinePush | undefined {
  const settings = config.logic.offlinePush;
  if (!settings.enabled) return undefined;
  let redis: Redis | undefined;
  let queue: OfflinePushQueue;
  if (settings.queue === 'redis') {
    redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined); // reported by the operations that fail
    queue = new RedisStreamOfflinePushQueue({
      client: redis,
      keyPrefix: `${config.redis.keyPrefix}:`,
      maxLen: settings.redisMaxLen,
      claimIdleMs: settings.claimIdleMs,
    });
  } else {
    queue = new MemoryOfflinePushQueue({ maxQueued: settings.memoryMaxQueued });
  }
  const metrics = new OfflinePushMetrics(registry, () => queue.depth());
  const emitter = new OfflinePushEmitter({ queue, metrics, log, previewChars: settings.previewChars });

  const webhooks = new Map<string, { target: { url: string; secret: string } | undefined; until: number }>();
  const webhookOf = async (appId: string) => {
    const now = Date.now();
    const hit = webhooks.get(appId);
    if (hit && hit.until > now) return hit.target;
    const app = await storage.apps.get(appId);
    const target =
      app?.webhookUrl && app.webhookSecret ? { url: app.webhookUrl, secret: app.webhookSecret } : undefined;
    if (webhooks.size > 10_000) webhooks.clear();
    webhooks.set(appId, { target, until: now + WEBHOOK_CACHE_MS });
    return target;
  };
  const { enabled: _enabled, queue: _queue, ...tuning } = settings;
  const worker = new WebhookWorker({ queue, lookupWebhook: webhookOf, metrics, log, config: tuning });
  worker.start();

  const failures = new LogSummary(log.child({ component: 'offline-push' }), 'offline push not queued');
  const emit = async (appId: string, n: OfflineNotice) => {
    if (!(await webhookOf(appId))) return;
    await emitter.emit({
      appId,
      userId: n.recipientUserId,
      messageId: String(n.messageId),
      senderUserId: n.senderUserId,
      contentType: n.contentType,
      content: n.content,
      sentAt: n.sentAt,
    });
  };
  return {
    sink: {
      notify: (appId, notice) => {
        emit(appId, notice).catch((err: unknown) =>
          failures.add({ app: appId, err: err instanceof Error ? err.message : String(err) }),
        );
      },
    },
    stop: async () => {
      await worker.stop();
      failures.flush();
      redis?.disconnect();
    },
  };
}
