import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { DEFAULT_OFFLINE_PUSH_CONFIG, resolveOfflinePushConfig } from './config.js';
import { offlinePushEventOf, webhookBodyOf } from './offline-push-event.js';

describe('resolveOfflinePushConfig', () => {
  it('fills in the documented defaults', () => {
    expect(resolveOfflinePushConfig()).toEqual({
      maxAttempts: 8,
      backoffBaseMs: 1000,
      backoffMaxMs: 300_000,
      timeoutMs: 5000,
      concurrency: 16,
      previewChars: 100,
      memoryMaxQueued: 10_000,
      redisMaxLen: 1_000_000,
      claimIdleMs: 60_000,
    });
    expect(resolveOfflinePushConfig({ backoffBaseMs: 1 })).toEqual({
      ...DEFAULT_OFFLINE_PUSH_CONFIG,
      backoffBaseMs: 1,
    });
  });

  it('rejects values that cannot work', () => {
    expect(() => resolveOfflinePushConfig({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => resolveOfflinePushConfig({ backoffBaseMs: -1 })).toThrow(/backoffBaseMs/);
    expect(() => resolveOfflinePushConfig({ timeoutMs: 1.5 })).toThrow(/timeoutMs/);
    expect(() => resolveOfflinePushConfig({ timeoutMs: 5000, claimIdleMs: 5000 })).toThrow(/claimIdleMs/);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, jittered within the upper half', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 1000, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });
});

describe('offlinePushEventOf', () => {
  const message = {
    appId: 'app1',
    userId: 'bob',
    messageId: '9007199254740993',
    senderUserId: 'alice',
    contentType: 'image/png',
    content: Uint8Array.of(1, 2, 3),
    sentAt: 5,
  };

  it('builds the id from app, message and recipient; no preview for non-text content', () => {
    const event = offlinePushEventOf(message, 100);
    expect(event.id).toBe('app1:9007199254740993:bob');
    expect(event.preview).toBe('');
    expect(JSON.parse(webhookBodyOf(event))).toEqual({ type: 'offline_message', ...event });
  });

  it('rejects a message id that is not a decimal string', () => {
    expect(() => offlinePushEventOf({ ...message, messageId: '12a' }, 10)).toThrow(RangeError);
    expect(() => offlinePushEventOf({ ...message, messageId: '' }, 10)).toThrow(RangeError);
  });
});
