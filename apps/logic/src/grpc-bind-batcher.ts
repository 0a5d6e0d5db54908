import { Metadata } from '@grpc/grpc-js';
import type { BindRequest, RouteServiceClient } from '@switchboard/proto/route';
import { call, fromErrorOutcome, INTERNAL_LIMITS, isMethodMissing } from '@switchboard/rpc';
import { ItemFailure, TickBatcher } from './tick-batcher.js';

/** Batches of binds in flight at once (route answers each bind of a batch on its own). */
const CONCURRENT_BATCHES = 4;

/**
 * The binds of a tick's sign-ins as one BindMany call to route, each sign-in answered with its own
 * epoch or error, exactly as its own Bind call would be (a failing bind fails only its sign-in).
 * Batching stays inside the gRPC adapter: an in-process route port binds one by one for free.
 * A route that does not know BindMany yet (a rolling upgrade) gets single Bind calls from then on.
 */
export class GrpcBindBatcher {
  private readonly batcher: TickBatcher<BindRequest, { epoch: number }>;
  private bindManyMissing = false;

  constructor(
    private readonly client: RouteServiceClient,
    private readonly timeoutMs: number,
  ) {
    this.batcher = new TickBatcher((binds) => this.bindAll(binds), {
      maxSize: INTERNAL_LIMITS.bindsPerCall,
      concurrency: CONCURRENT_BATCHES,
    });
  }

  bind(request: BindRequest): Promise<{ epoch: number }> {
    return this.batcher.call(request);
  }

  private async bindAll(binds: BindRequest[]): Promise<Array<{ epoch: number } | ItemFailure>> {
    if (binds.length === 1 || this.bindManyMissing) return Promise.all(binds.map((b) => this.bindOne(b)));
    let res;
    try {
      res = await call(this.client, this.client.bindMany, { binds }, new Metadata(), this.timeoutMs);
    } catch (err) {
      if (!isMethodMissing(err)) throw err;
      this.bindManyMissing = true;
      return Promise.all(binds.map((b) => this.bindOne(b)));
    }
    return res.outcomes.map((o) =>
      o.code === 0 && o.bound ? { epoch: o.bound.epoch } : new ItemFailure(fromErrorOutcome(o)),
    );
  }

  private bindOne(request: BindRequest): Promise<{ epoch: number } | ItemFailure> {
    return call(this.client, this.client.bind, request, new Metadata(), this.timeoutMs).then(
      (res) => ({ epoch: res.epoch }),
      (err: unknown) => new ItemFailure(err),
    );
  }
}
