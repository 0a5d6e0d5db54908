import { experimental, status, type ChannelOptions } from '@grpc/grpc-js';
import { entryTarget } from './address-list.js';

type Endpoint = experimental.Endpoint;
type Result = experimental.StatusOr<Endpoint[]>;

/** The URI scheme of a target naming several addresses: `sb-list:///logic-1:7500,logic-2:7500`. */
export const LIST_SCHEME = 'sb-list';

/** How often every entry is resolved again even when nothing failed, so new instances are found. */
export const RERESOLVE_EVERY_MS = 30_000;

/**
 * A grpc-js name resolver for a list of addresses: it runs grpc-js's own resolver for each entry
 * (DNS for `host:port`, which returns every A/AAAA record, so a Kubernetes headless service gives
 * one endpoint per pod) and reports the union of their endpoints, so that one channel's
 * round_robin policy balances over all instances behind all the names. An entry whose resolution
 * fails drops out until it resolves again; only when every entry fails does the channel see the
 * error. Entries are re-resolved on the load balancer's request (an instance went away) and every
 * {@link RERESOLVE_EVERY_MS}.
 */
class ListResolver implements experimental.Resolver {
  private readonly children: experimental.Resolver[];
  private readonly results: Array<Result | undefined>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    options: ChannelOptions,
  ) {
    const entries = target.path.split(',').filter((e) => e !== '');
    this.results = entries.map(() => undefined);
    this.children = entries.map((entry, i) =>
      experimental.createResolver(
        entryTarget(entry),
        (endpoints) => {
          this.results[i] = endpoints;
          return this.report();
        },
        options,
      ),
    );
  }

  private report(): boolean {
    const ok: Endpoint[] = [];
    const seen = new Set<string>();
    let firstError: Result | undefined;
    for (const result of this.results) {
      if (!result) continue;
      if (!result.ok) {
        firstError ??= result;
        continue;
      }
      for (const endpoint of result.value) {
        const key = experimental.endpointToString(endpoint);
        if (!seen.has(key)) ok.push(endpoint);
        seen.add(key);
      }
    }
    if (ok.length > 0) return this.listener({ ok: true, value: ok }, {}, null, '');
    // Wait for the other entries while some have not answered yet.
    if (this.results.some((r) => r === undefined)) return true;
    return this.listener(
      firstError ?? experimental.statusOrFromError({ code: status.UNAVAILABLE, details: 'no addresses' }),
      {},
      null,
      '',
    );
  }

  updateResolution(): void {
    for (const child of this.children) child.updateResolution();
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const child of this.children) child.updateResolution();
      }, RERESOLVE_EVERY_MS);
      this.timer.unref();
    }
  }

  destroy(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const child of this.children) child.destroy();
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return entryTarget(target.path.split(',')[0] ?? '').path;
  }
}

let registered = false;

/** Registers the {@link LIST_SCHEME} resolver with grpc-js (once per process; grpc-js keeps a global registry). */
export function registerListResolver(): void {
  if (registered) return;
  experimental.registerResolver(LIST_SCHEME, ListResolver);
  registered = true;
}
