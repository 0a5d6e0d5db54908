import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { createLogger, memoryDestination, type MemoryDestination } from '@switchboard/log';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OfflinePushConfig } from './config.js';
import { MemoryOfflinePushQueue } from './memory-offline-push-queue.js';
import { OfflinePushEmitter } from './offline-push-emitter.js';
import { type OfflinePushEvent } from './offline-push-event.js';
import { OfflinePushMetrics } from './offline-push-metrics.js';
import { testEvent } from './offline-push-queue.contract.js';
import { type OfflinePushQueue } from './offline-push-queue.js';
import { RedisStreamOfflinePushQueue } from './redis-stream-offline-push-queue.js';
import { deleteKeysUnder, testPrefix, waitFor } from './redis-test-support.js';
import { verifyWebhookSignature } from './signature.js';
import { type WebhookTarget } from './webhook-post.js';
import { WebhookWorker } from './webhook-worker.js';

const SECRET = 'whsec-test-0123456789';

/** One request as the receiver saw it. */
interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Reply = (req: Received, res: ServerResponse, n: number) => void;

/** A local webhook receiver on a real socket; `reply` decides each answer (n counts from 1). */
class Receiver {
  readonly requests: Received[] = [];
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();
  reply: Reply = (_req, res) => res.writeHead(204).end();
  inFlight = 0;
  maxInFlight = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(received);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.#open.add(res);
        res.on('close', () => {
          this.inFlight -= 1;
          this.#open.delete(res);
        });
        this.reply(received, res, this.requests.length);
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/push?token=t0ps3cret`;
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const FAST: Partial<OfflinePushConfig> = {
  maxAttempts: 4,
  backoffBaseMs: 5,
  backoffMaxMs: 20,
  timeoutMs: 2000,
  concurrency: 4,
};

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (found?.values ?? []) as {
    value: number;
    labels: Record<string, unknown>;
    metricName?: string;
  }[];
  const match = values.find(
    (v) =>
      (v.metricName === undefined || v.metricName === name || v.metricName === `${name}_count`) &&
      Object.entries(labels).every(([k, want]) => v.labels[k] === want),
  );
  return match?.value ?? 0;
}

describe('WebhookWorker', () => {
  let receiver: Receiver;
  let registry: Registry;
  let queue: MemoryOfflinePushQueue;
  let metrics: OfflinePushMetrics;
  let logs: MemoryDestination;
  let worker: WebhookWorker | undefined;
  let webhooks: Map<string, WebhookTarget>;

  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.listen();
    registry = new Registry();
    queue = new MemoryOfflinePushQueue({ maxQueued: 100 });
    metrics = new OfflinePushMetrics(registry, () => queue.depth());
    logs = memoryDestination();
    webhooks = new Map([['app1', { url: receiver.url, secret: SECRET }]]);
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await receiver.close();
  });

  function startWorker(config: Partial<OfflinePushConfig> = {}, q: OfflinePushQueue = queue): WebhookWorker {
    const started = new WebhookWorker({
      queue: q,
      lookupWebhook: (appId) => Promise.resolve(webhooks.get(appId)),
      metrics,
      log: createLogger({ level: 'debug', service: 'logic', destination: logs }),
      config: { ...FAST, ...config },
      pollIntervalMs: 5,
    });
    started.start();
    return started;
  }

  const deliveries = (result: string) =>
    metric(registry, 'switchboard_offline_push_deliveries_total', { result });
  const events = (result: string) => metric(registry, 'switchboard_offline_push_events_total', { result });

  it('posts the documented body once, signed, with the event id header', async () => {
    await queue.enqueue(testEvent(1));
    worker = startWorker();
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the delivery');
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(JSON.parse(request!.body)).toEqual({ type: 'offline_message', ...testEvent(1) });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-switchboard-event-id']).toBe(testEvent(1).id);
    const timestamp = request!.headers['x-switchboard-timestamp'] as string;
    expect(timestamp).toMatch(/^\d+$/);
    const signature = request!.headers['x-switchboard-signature'] as string;
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret: SECRET, timestamp, body: request!.body, signature })).toBe(true);
    expect(verifyWebhookSignature({ secret: 'other', timestamp, body: request!.body, signature })).toBe(
      false,
    );
    expect(await queue.depth()).toBe(0);
    expect(await deliveries('retry')).toBe(0);
    expect(await metric(registry, 'switchboard_offline_push_delivery_seconds')).toBe(1);
    expect(await metric(registry, 'switchboard_offline_push_queue_depth')).toBe(0);
  });

  it('retries a receiver that fails with 500 until it recovers', async () => {
    receiver.reply = (_req, res, n) => res.writeHead(n <= 2 ? 500 : 200).end();
    await queue.enqueue(testEvent(1));
    worker = startWorker();
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the delivery');
    expect(receiver.requests.map((r) => r.headers['x-switchboard-event-id'])).toEqual(
      Array(3).fill(testEvent(1).id),
    );
    expect(await deliveries('retry')).toBe(2);
    expect(await deliveries('dead_letter')).toBe(0);
    expect(await queue.deadLetters()).toEqual([]);
  });

  it('retries 408 and 429 too', async () => {
    receiver.reply = (_req, res, n) => res.writeHead([408, 429][n - 1] ?? 200).end();
    await queue.enqueue(testEvent(1));
    worker = startWorker();
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the delivery');
    expect(receiver.requests).toHaveLength(3);
    expect(await deliveries('retry')).toBe(2);
  });

  it('dead-letters an event after maxAttempts failures, with the last error', async () => {
    receiver.reply = (_req, res, n) => res.writeHead(n < 3 ? 503 : 500).end();
    await queue.enqueue(testEvent(1));
    worker = startWorker({ maxAttempts: 3 });
    await waitFor(async () => (await deliveries('dead_letter')) === 1, 'the dead letter');
    expect(receiver.requests).toHaveLength(3);
    expect(await deliveries('retry')).toBe(2);
    const dead = await queue.deadLetters();
    expect(dead).toMatchObject([{ event: testEvent(1), attempts: 3, error: 'HTTP 500' }]);
    expect(await queue.depth()).toBe(0);
  });

  it('dead-letters at once on a 400', async () => {
    receiver.reply = (_req, res) => res.writeHead(400).end('bad');
    await queue.enqueue(testEvent(1));
    worker = startWorker();
    await waitFor(async () => (await deliveries('dead_letter')) === 1, 'the dead letter');
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveries('retry')).toBe(0);
    expect(await queue.deadLetters()).toMatchObject([{ attempts: 1, error: 'HTTP 400' }]);
  });

  it('retries a request that timed out', async () => {
    // The first request is never answered; the second is.
    receiver.reply = (_req, res, n) => {
      if (n > 1) res.writeHead(200).end();
    };
    await queue.enqueue(testEvent(1));
    worker = startWorker({ timeoutMs: 100 });
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the delivery');
    expect(receiver.requests).toHaveLength(2);
    expect(await deliveries('retry')).toBe(1);
    expect(logs.lines.some((l) => String(l.error).startsWith('timeout'))).toBe(true);
  });

  it('retries a receiver that cannot be reached', async () => {
    const gone = new Receiver();
    await gone.listen();
    const url = gone.url;
    await gone.close();
    webhooks.set('app1', { url, secret: SECRET });
    await queue.enqueue(testEvent(1));
    worker = startWorker({ maxAttempts: 2 });
    await waitFor(async () => (await deliveries('dead_letter')) === 1, 'the dead letter');
    expect(await deliveries('retry')).toBe(1);
    expect((await queue.deadLetters())[0]?.error).toMatch(/^network error/);
  });

  it('never follows a redirect', async () => {
    const elsewhere = new Receiver();
    await elsewhere.listen();
    try {
      receiver.reply = (_req, res) => res.writeHead(307, { Location: elsewhere.url }).end();
      await queue.enqueue(testEvent(1));
      worker = startWorker();
      await waitFor(async () => (await deliveries('dead_letter')) === 1, 'the dead letter');
      expect(receiver.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
      expect((await queue.deadLetters())[0]?.error).toBe('HTTP 307 (redirect not followed)');
    } finally {
      await elsewhere.close();
    }
  });

  it('drops and counts an event whose app has no webhook, without retrying', async () => {
    await queue.enqueue(testEvent(1, { appId: 'app2', id: 'app2:1:bob' }));
    await queue.enqueue(testEvent(2));
    worker = startWorker();
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the other delivery');
    await waitFor(async () => (await events('dropped_no_webhook')) === 1, 'the drop');
    expect(await queue.depth()).toBe(0);
    expect(await deliveries('retry')).toBe(0);
    expect(await queue.deadLetters()).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries when the webhook lookup fails', async () => {
    let failures = 1;
    worker = new WebhookWorker({
      queue,
      lookupWebhook: () =>
        failures-- > 0 ? Promise.reject(new Error('db down')) : Promise.resolve(webhooks.get('app1')),
      metrics,
      log: createLogger({ level: 'debug', service: 'logic', destination: logs }),
      config: FAST,
      pollIntervalMs: 5,
    });
    worker.start();
    await queue.enqueue(testEvent(1));
    await waitFor(async () => (await deliveries('delivered')) === 1, 'the delivery');
    expect(await deliveries('retry')).toBe(1);
  });

  it('keeps at most `concurrency` posts in flight', async () => {
    const held: ServerResponse[] = [];
    receiver.reply = (_req, res) => held.push(res);
    for (let n = 1; n <= 6; n++) await queue.enqueue(testEvent(n));
    worker = startWorker({ concurrency: 2 });
    await waitFor(() => held.length === 2, 'two requests');
    // More would arrive here if the limit leaked; answer them one at a time to drain the rest.
    while ((await deliveries('delivered')) < 6) {
      await waitFor(() => held.length > 0, 'a request');
      held.shift()!.writeHead(200).end();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(receiver.maxInFlight).toBe(2);
    expect(receiver.requests).toHaveLength(6);
  });

  it('stop() waits for the posts in flight and settles them', async () => {
    let answer: (() => void) | undefined;
    receiver.reply = (_req, res) => (answer = () => res.writeHead(200).end());
    await queue.enqueue(testEvent(1));
    const running = startWorker();
    await waitFor(() => answer !== undefined, 'the request');
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    answer!();
    await stopping;
    expect(await deliveries('delivered')).toBe(1);
    expect(await queue.depth()).toBe(0);
    // A stopped worker takes nothing more.
    await queue.enqueue(testEvent(2));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(receiver.requests).toHaveLength(1);
  });

  it('summarises repeated failures of one URL and never logs the secret, query or preview', async () => {
    receiver.reply = (_req, res) => res.writeHead(500).end();
    for (let n = 1; n <= 10; n++) await queue.enqueue(testEvent(n, { preview: 'PRIVATE-TEXT' }));
    worker = startWorker({ maxAttempts: 3 });
    await waitFor(async () => (await deliveries('dead_letter')) === 10, 'ten dead letters');
    await worker.stop();
    worker = undefined;
    const failures = logs.lines.filter((l) => l.msg === 'offline push delivery failed');
    // 30 failed attempts: the first line at once, the rest counted into the summary flushed by stop().
    expect(failures.length).toBeLessThanOrEqual(2);
    expect(failures.reduce((sum, l) => sum + Number(l.count), 0)).toBe(30);
    expect(failures[0]?.url).toBe(receiver.url.replace(/\?.*$/, ''));
    const text = JSON.stringify(logs.lines);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('t0ps3cret');
    expect(text).not.toContain('PRIVATE-TEXT');
  });

  it('counts what the emitter enqueued and what it dropped because the queue was full', async () => {
    const small = new MemoryOfflinePushQueue({ maxQueued: 1 });
    const emitter = new OfflinePushEmitter({
      queue: small,
      metrics,
      log: createLogger({ level: 'debug', service: 'logic', destination: logs }),
      previewChars: 5,
    });
    const message = {
      appId: 'app1',
      userId: 'bob',
      messageId: 18446744073709551615n,
      senderUserId: 'alice',
      contentType: 'text/plain; charset=utf-8',
      content: new TextEncoder().encode('hello\nworld'),
      sentAt: 1,
    };
    const event = await emitter.emit(message);
    expect(event).toEqual<OfflinePushEvent>({
      id: 'app1:18446744073709551615:bob',
      appId: 'app1',
      userId: 'bob',
      messageId: '18446744073709551615',
      senderUserId: 'alice',
      groupId: '',
      contentType: 'text/plain; charset=utf-8',
      preview: 'hello',
      sentAt: 1,
    });
    expect(await emitter.emit({ ...message, messageId: '2' })).toBeUndefined();
    expect(await events('enqueued')).toBe(1);
    expect(await events('dropped_queue_full')).toBe(1);
  });
});

describe('WebhookWorker on a Redis stream', () => {
  let redis: Redis;
  let receiver: Receiver;
  const prefix = testPrefix();

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    receiver = new Receiver();
    await receiver.listen();
  });

  afterAll(async () => {
    await receiver.close();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  it('two workers sharing one stream deliver each event once; a failing app does not block the other', async () => {
    receiver.reply = (req, res) => res.writeHead(req.body.includes('"appId":"bad"') ? 500 : 200).end();
    const registry = new Registry();
    const queueOf = (consumer: string) =>
      new RedisStreamOfflinePushQueue({
        client: redis,
        keyPrefix: prefix,
        maxLen: 1000,
        claimIdleMs: 60_000,
        consumer,
      });
    const producer = queueOf('producer');
    const metrics = new OfflinePushMetrics(registry, () => producer.depth());
    const workers = ['w1', 'w2'].map(
      (consumer) =>
        new WebhookWorker({
          queue: queueOf(consumer),
          lookupWebhook: () => Promise.resolve({ url: receiver.url, secret: SECRET }),
          metrics,
          log: createLogger({ level: 'silent', service: 'logic' }),
          config: { ...FAST, maxAttempts: 3, concurrency: 3 },
          pollIntervalMs: 5,
        }),
    );
    await producer.enqueue(testEvent(0, { appId: 'bad', id: 'bad:0:bob' }));
    for (let n = 1; n <= 30; n++) await producer.enqueue(testEvent(n));
    for (const w of workers) w.start();
    try {
      await waitFor(
        async () =>
          (await metric(registry, 'switchboard_offline_push_deliveries_total', { result: 'delivered' })) ===
            30 && (await producer.deadLetters()).length === 1,
        'every delivery and the dead letter',
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const good = receiver.requests.filter((r) => !r.body.includes('"appId":"bad"'));
    const ids = good.map((r) => r.headers['x-switchboard-event-id']);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(await producer.deadLetters()).toMatchObject([
      { event: { id: 'bad:0:bob' }, attempts: 3, error: 'HTTP 500' },
    ]);
    expect(await producer.depth()).toBe(0);
    expect(await metric(registry, 'switchboard_offline_push_queue_depth')).toBe(0);
  });
});
