import { randomUUID } from 'node:crypto';
import { runScript } from '@switchboard/redis-script';
import { type OfflinePushEvent } from './offline-push-event.js';
import { type DeadLetter, type OfflinePushQueue, type QueuedPush } from './offline-push-queue.js';
import { type RedisOfflinePushClient } from './redis-client.js';
import { OfflinePushKeys } from './redis-keys.js';
import { ACK, DEAD_LETTER, ENQUEUE, PROMOTE, RETRY } from './redis-scripts.js';

/** Options of {@link RedisStreamOfflinePushQueue}. */
export interface RedisStreamOfflinePushQueueOptions {
  readonly client: RedisOfflinePushClient;
  /** Prepended to every key (see {@link OfflinePushKeys}), for example `sb:`. */
  readonly keyPrefix: string;
  /** Entries held at most (stream plus scheduled retries); `OfflinePushConfig.redisMaxLen`. */
  readonly maxLen: number;
  /** Idle time after which another worker reclaims a leased entry; `OfflinePushConfig.claimIdleMs`. */
  readonly claimIdleMs: number;
  /** Dead letters kept (approximately: MAXLEN ~). Default 100 000. */
  readonly maxDeadLetters?: number;
  /** The consumer group every worker process joins. Default `webhook-workers`. */
  readonly group?: string;
  /** This process's consumer name in the group; must differ between processes. Default a random UUID. */
  readonly consumer?: string;
  /** Milliseconds since the epoch (retry due times); injectable for tests. */
  readonly now?: () => number;
}

type StreamEntry = [id: string, fields: string[] | null];

/**
 * The production queue: a Redis stream read through one consumer group, so that any number of worker
 * processes share the work and each entry is leased to one of them at a time.
 *
 * - `enqueue` XADDs (capped: see `ENQUEUE`); `take` XREADGROUPs new entries, and first moves due
 *   retries from a sorted set back into the stream and XAUTOCLAIMs entries some consumer left pending
 *   for longer than `claimIdleMs` (a crashed worker): those come back with their attempt number.
 * - `ack`, `retry` and `deadLetter` XACK and XDEL the entry in one Lua script, so the stream holds
 *   only waiting and leased entries and its length is the queue's depth.
 * - A retry waits in the sorted set `delayed`, not in the stream, so it never blocks the entries behind it.
 *
 * `take` never blocks (no BLOCK), so one client connection can serve the queue and everything else;
 * the worker polls when the queue is empty.
 */
export class RedisStreamOfflinePushQueue implements OfflinePushQueue {
  readonly keys: OfflinePushKeys;
  readonly #client: RedisOfflinePushClient;
  readonly #maxLen: number;
  readonly #claimIdleMs: number;
  readonly #maxDeadLetters: number;
  readonly #group: string;
  readonly #consumer: string;
  readonly #now: () => number;
  #groupReady: Promise<void> | undefined;
  #claimCursor = '0-0';
  #lastClaimAt = 0;

  constructor(options: RedisStreamOfflinePushQueueOptions) {
    this.keys = new OfflinePushKeys(options.keyPrefix);
    this.#client = options.client;
    this.#maxLen = options.maxLen;
    this.#claimIdleMs = options.claimIdleMs;
    this.#maxDeadLetters = options.maxDeadLetters ?? 100_000;
    this.#group = options.group ?? 'webhook-workers';
    this.#consumer = options.consumer ?? randomUUID();
    this.#now = options.now ?? Date.now;
  }

  async enqueue(event: OfflinePushEvent): Promise<boolean> {
    const added = await runScript(
      this.#client,
      ENQUEUE,
      [this.keys.stream(), this.keys.delayed()],
      [this.#maxLen, JSON.stringify(event)],
    );
    return added === 1;
  }

  async take(max: number): Promise<QueuedPush[]> {
    if (max <= 0) return [];
    await this.#ensureGroup();
    await runScript(this.#client, PROMOTE, [this.keys.delayed(), this.keys.stream()], [this.#now(), max]);
    const taken = await this.#reclaim(max);
    if (taken.length < max) {
      const reply = await this.#withGroup(() =>
        this.#client.call(
          'XREADGROUP',
          'GROUP',
          this.#group,
          this.#consumer,
          'COUNT',
          max - taken.length,
          'STREAMS',
          this.keys.stream(),
          '>',
        ),
      );
      for (const entries of streamsOf(reply)) taken.push(...this.#parse(entries));
    }
    return taken;
  }

  async ack(entry: QueuedPush): Promise<void> {
    await runScript(this.#client, ACK, [this.keys.stream()], [this.#group, entry.receipt]);
  }

  async retry(entry: QueuedPush, delayMs: number): Promise<void> {
    await runScript(
      this.#client,
      RETRY,
      [this.keys.stream(), this.keys.delayed()],
      [
        this.#group,
        entry.receipt,
        this.#now() + delayMs,
        `${entry.attempt + 1}|${JSON.stringify(entry.event)}`,
      ],
    );
  }

  async deadLetter(entry: QueuedPush, error: string): Promise<void> {
    await runScript(
      this.#client,
      DEAD_LETTER,
      [this.keys.stream(), this.keys.dead()],
      [
        this.#group,
        entry.receipt,
        this.#maxDeadLetters,
        JSON.stringify(entry.event),
        entry.attempt,
        error,
        this.#now(),
      ],
    );
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const entries = (await this.#client.call(
      'XRANGE',
      this.keys.dead(),
      '-',
      '+',
      'COUNT',
      limit,
    )) as StreamEntry[];
    return entries.flatMap(([, fields]) => {
      const f = fieldsOf(fields);
      if (f.event === undefined) return [];
      return [
        {
          event: JSON.parse(f.event) as OfflinePushEvent,
          attempts: Number(f.attempts),
          error: f.error ?? '',
          failedAt: Number(f.failedAt),
        },
      ];
    });
  }

  async depth(): Promise<number> {
    const [length, delayed] = await Promise.all([
      this.#client.call('XLEN', this.keys.stream()),
      this.#client.call('ZCARD', this.keys.delayed()),
    ]);
    return Number(length) + Number(delayed);
  }

  /** XAUTOCLAIMs entries idle past `claimIdleMs`, at most every `claimIdleMs / 2`. */
  async #reclaim(max: number): Promise<QueuedPush[]> {
    const now = Date.now();
    if (now - this.#lastClaimAt < this.#claimIdleMs / 2) return [];
    this.#lastClaimAt = now;
    const reply = (await this.#withGroup(() =>
      this.#client.call(
        'XAUTOCLAIM',
        this.keys.stream(),
        this.#group,
        this.#consumer,
        this.#claimIdleMs,
        this.#claimCursor,
        'COUNT',
        max,
      ),
    )) as [next: string, entries: StreamEntry[], deleted?: string[]];
    this.#claimCursor = reply[0];
    return this.#parse(reply[1]);
  }

  #parse(entries: StreamEntry[]): QueuedPush[] {
    return entries.flatMap(([id, fields]) => {
      const f = fieldsOf(fields);
      // An entry trimmed or deleted while pending has no fields left: nothing to deliver.
      if (f.event === undefined) return [];
      return [
        { event: JSON.parse(f.event) as OfflinePushEvent, attempt: Number(f.attempt ?? 1), receipt: id },
      ];
    });
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= this.#createGroup().catch((err: unknown) => {
      this.#groupReady = undefined;
      throw err;
    });
    return this.#groupReady;
  }

  async #createGroup(): Promise<void> {
    try {
      // From the stream's start: events enqueued before the first worker ever ran are delivered too.
      await this.#client.call('XGROUP', 'CREATE', this.keys.stream(), this.#group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
  }

  /** Runs a group command, re-creating the group once if the stream was deleted under it. */
  async #withGroup(command: () => Promise<unknown>): Promise<unknown> {
    try {
      return await command();
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOGROUP')) throw err;
      this.#groupReady = undefined;
      await this.#ensureGroup();
      return command();
    }
  }
}

/**
 * The entries of an XREADGROUP reply. RESP2 gives `[[key, entries], ...]`; RESP3 gives a map, which
 * ioredis flattens to `[key, entries, key, entries, ...]`; nothing read gives null.
 */
function streamsOf(reply: unknown): StreamEntry[][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string') return reply.filter((_, i) => i % 2 === 1) as StreamEntry[][];
  return (reply as [key: string, entries: StreamEntry[]][]).map(([, entries]) => entries);
}

function fieldsOf(fields: string[] | null): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; fields !== null && i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1];
  return out;
}
