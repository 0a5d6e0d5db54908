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
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { CachedApps } from './app-credentials.js';
import type { OfflineSink } from './push-batcher.js';
import type { OfflineNotice } from './route-port.js';

export interface RunningOfflinePush {
  sink: OfflineSink;
  stop(): Promise<void>;
}

/**
 * The offline-push webhook in logic: notices of stored messages whose recipient had no device online
 * become events on a queue (Redis Stream or memory), and a worker on every logic instance POSTs them
 * to the app's webhook. Apps without a webhook cost one cached app lookup per notice, nothing queued.
 */
export function startOfflinePush(
  config: Config,
  apps: CachedApps,
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

  // The webhook is read through the app cache logic shares with sign-ins (a change is seen within its ttl).
  const webhookOf = async (appId: string) => {
    const app = await apps(appId);
    return app?.webhookUrl && app.webhookSecret
      ? { url: app.webhookUrl, secret: app.webhookSecret }
      : undefined;
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
      groupId: n.groupId ?? '',
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
