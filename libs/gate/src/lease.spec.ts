import { createLogger } from '@switchboard/log';
import { describe, expect, it } from 'vitest';
import { LeaseKeeper } from './lease.js';
import { FakeRoute } from './test-fakes.js';

const silent = createLogger({ level: 'silent', service: 'test' });

function keeper(route: FakeRoute, onRegistered: () => Promise<void>) {
  return new LeaseKeeper({
    gateId: 'g',
    bootId: 'boot-1',
    grpcAddress: '127.0.0.1:1',
    ttlMs: 1_000,
    renewMs: 60_000,
    route,
    logger: silent,
    onRegistered,
  });
}

describe('LeaseKeeper', () => {
  it('sends its boot id and re-binds after every renewal that registered the gate afresh', async () => {
    const route = new FakeRoute();
    let rebinds = 0;
    const lease = keeper(route, async () => {
      rebinds++;
    });
    await lease.start(); // first registration: the re-bind finds nothing to do in a real gate
    expect(rebinds).toBe(1);
    await lease.renewNow(); // plain renewal
    expect(rebinds).toBe(1);
    route.registerNext = true; // route lost the gate (a lapsed lease, a wiped Redis)
    await lease.renewNow();
    expect(rebinds).toBe(2);
    lease.stop();
    expect(route.calls['renewLease']).toHaveLength(3);
    expect(route.calls['renewLease']?.[0]).toMatchObject({ gateId: 'g', bootId: 'boot-1', ttlMs: 1_000 });
  });

  it('tries a failed re-bind again at the next renewal, until it succeeds', async () => {
    const route = new FakeRoute();
    let attempts = 0;
    const lease = keeper(route, async () => {
      if (++attempts < 3) throw new Error('route unreachable');
    });
    await lease.start();
    await lease.renewNow();
    expect(attempts).toBe(2);
    await lease.renewNow();
    await lease.renewNow();
    expect(attempts).toBe(3);
    lease.stop();
  });

  it('joins a renewal already in flight instead of starting another', async () => {
    const route = new FakeRoute();
    const lease = keeper(route, async () => {});
    await Promise.all([lease.renewNow(), lease.renewNow(), lease.renewNow()]);
    expect(route.calls['renewLease']).toHaveLength(1);
  });
});
