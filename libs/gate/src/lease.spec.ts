import { createLogger } from '@switchboard/log';
import { describe, expect, it } from 'vitest';
import { LeaseKeeper } from './lease.js';
import { FakeRoute } from './test-fakes.js';

const silent = createLogger({ level: 'silent', service: 'test' });

describe('LeaseKeeper', () => {
  it('resets sessions only when route registers the gate again after having known it', async () => {
    const route = new FakeRoute();
    let resets = 0;
    const lease = new LeaseKeeper({
      gateId: 'g',
      grpcAddress: '127.0.0.1:1',
      ttlMs: 1_000,
      renewMs: 60_000,
      route,
      logger: silent,
      onReset: () => resets++,
    });
    await lease.start(); // first registration: nothing to reset
    expect(resets).toBe(0);
    await (lease as unknown as { renewLogged(): Promise<void> }).renewLogged(); // plain renewal
    expect(resets).toBe(0);
    route.registerNext = true; // route lost the gate (lease lapsed during a partition)
    await (lease as unknown as { renewLogged(): Promise<void> }).renewLogged();
    expect(resets).toBe(1);
    lease.stop();
    expect(route.calls['renewLease']).toHaveLength(3);
  });
});
