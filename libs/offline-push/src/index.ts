export {
  type OfflinePushEvent,
  type OfflineMessage,
  type OfflinePushWebhookBody,
  offlinePushEventOf,
  webhookBodyOf,
} from './offline-push-event.js';
export { previewOf } from './preview.js';
export { type OfflinePushConfig, DEFAULT_OFFLINE_PUSH_CONFIG, resolveOfflinePushConfig } from './config.js';
export { signWebhook, verifyWebhookSignature, type VerifyWebhookSignatureOptions } from './signature.js';
export type { OfflinePushQueue, QueuedPush, DeadLetter } from './offline-push-queue.js';
export { MemoryOfflinePushQueue, type MemoryOfflinePushQueueOptions } from './memory-offline-push-queue.js';
export {
  RedisStreamOfflinePushQueue,
  type RedisStreamOfflinePushQueueOptions,
} from './redis-stream-offline-push-queue.js';
export { type RedisOfflinePushClient } from './redis-client.js';
export { OfflinePushKeys } from './redis-keys.js';
export {
  OfflinePushMetrics,
  type OfflinePushEventResult,
  type OfflinePushDeliveryResult,
} from './offline-push-metrics.js';
export { OfflinePushEmitter, type OfflinePushEmitterOptions } from './offline-push-emitter.js';
export { WebhookWorker, type WebhookWorkerOptions, type WebhookLookup } from './webhook-worker.js';
export { type WebhookTarget, type PostOutcome, postWebhook } from './webhook-post.js';
export { backoffDelay } from './backoff.js';
