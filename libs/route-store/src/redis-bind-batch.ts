import { type RedisRouteClient } from './redis-client.js';
import { runScript } from '@switchboard/redis-script';
import { BIND_INDEXED } from './redis-scripts.js';

/** Binds in one BIND_INDEXED script at most: a few milliseconds of Redis's time. */
const BINDS_PER_SCRIPT = 256;

/** What BIND_INDEXED answers for one bind: stored (1) or superseded (0), the other binding, the epoch. */
export type IndexedBind = [stored: 0 | 1, other: string | null, epoch: number];

interface Queued {
  /** The bind's 4 keys and 5 arguments of BIND_INDEXED. */
  keys: readonly string[];
  args: readonly string[];
  resolve(result: IndexedBind): void;
  reject(err: unknown): void;
}

/**
 * The BIND_INDEXED steps of the binds made in one tick (a BindMany's, once their gate is read) as
 * one script, single Redis only: one command and one socket write for the batch, where a sign-in
 * storm's route spent most of its CPU writing a command per bind. Each bind is still one atomic
 * step, in the order made; a script that fails fails the binds it carried.
 */
export class RedisBindBatch {
  #queue: Queued[] = [];
  #scheduled = false;

  constructor(private readonly redis: RedisRouteClient) {}

  run(keys: readonly string[], args: readonly string[]): Promise<IndexedBind> {
    return new Promise<IndexedBind>((resolve, reject) => {
      this.#queue.push({ keys, args, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const all = this.#queue;
    this.#queue = [];
    for (let at = 0; at < all.length; at += BINDS_PER_SCRIPT) {
      this.#send(all.length <= BINDS_PER_SCRIPT ? all : all.slice(at, at + BINDS_PER_SCRIPT));
    }
  };

  #send(batch: readonly Queued[]): void {
    const keys: string[] = [];
    const args: string[] = [];
    for (const bind of batch) {
      for (const key of bind.keys) keys.push(key);
      for (const arg of bind.args) args.push(arg);
    }
    runScript(this.redis, BIND_INDEXED, keys, args).then(
      (results) => {
        const each = results as IndexedBind[];
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(each[i]!);
      },
      (err: unknown) => {
        for (const bind of batch) bind.reject(err);
      },
    );
  }
}
