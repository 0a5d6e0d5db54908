import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { catchConfigError, repoConfigDir } from './test-support.js';

const load = (env: Record<string, string>) => loadConfig({ configDir: repoConfigDir, env });

describe('service address lists', () => {
  it('keeps a single address valid', () => {
    expect(load({ SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: 'logic:7500' }).gateClient.logicAddress).toBe(
      'logic:7500',
    );
  });

  it('accepts a comma-separated list, a JSON/YAML list and dns:/// names', () => {
    const config = load({
      SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: 'logic-1:7500, logic-2:7500',
      SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: '["route-1:7400","dns:///route-headless:7400"]',
      SWITCHBOARD_LOGIC__ROUTE_ADDRESS: 'dns:///route-headless:7400',
    });
    expect(config.gateClient.logicAddress).toBe('logic-1:7500, logic-2:7500');
    expect(config.gateClient.routeAddress).toEqual(['route-1:7400', 'dns:///route-headless:7400']);
    expect(config.logic.routeAddress).toBe('dns:///route-headless:7400');
  });

  it('rejects an entry without a port, and an empty list', () => {
    for (const value of ['logic-1:7500,logic-2', '[]', '']) {
      const error = catchConfigError(() => load({ SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: value }));
      expect(error.message).toMatch(/^config: gateClient\.logicAddress: expected a gRPC address/);
    }
  });

  it('reads the logic→route deadline and the route expiry interval', () => {
    const config = load({
      SWITCHBOARD_LOGIC__ROUTE_TIMEOUT_MS: '750',
      SWITCHBOARD_ROUTE__EXPIRE_EVERY_MS: '250',
    });
    expect(config.logic.routeTimeoutMs).toBe(750);
    expect(config.route.expireEveryMs).toBe(250);
  });

  it('no longer knows gate.tcp.enabled (nothing read it)', () => {
    const error = catchConfigError(() => load({ SWITCHBOARD_GATE__TCP__ENABLED: 'false' }));
    expect(error.message).toMatch(/gate\.tcp\.enabled: unknown key/);
  });
});
