import { loadConfig } from '@switchboard/config';
import { describe, expect, it } from 'vitest';
import { HELP, parseFlags, PORT_FLAGS } from './flags.js';

describe('npm start flags', () => {
  it('has a flag for every port it opens, with the default the embedded profile has, listed in --help', () => {
    const config = loadConfig({ profile: 'embedded' });
    for (const [key, flag, def] of PORT_FLAGS) {
      expect(
        key.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], config),
        key,
      ).toBe(def);
      expect(HELP).toContain(`--${flag} <port>`);
    }
    const listed = JSON.stringify(config).match(/"\w*[pP]ort":\d+/g) ?? [];
    // The internal gRPC ports of gate, route and logic: the suite calls them in process, opens none.
    expect(listed.length).toBe(PORT_FLAGS.length + 3);
    for (const internal of ['gate-grpc-port', 'route-grpc-port', 'logic-grpc-port'])
      expect(HELP).not.toContain(`--${internal}`);
  });

  it('turns port flags into config overrides', () => {
    const flags = parseFlags(['--route-health-port', '9410', '--ws-port', '0', '--host', '0.0.0.0']);
    expect(flags.overrides).toEqual({
      route: { health: { port: 9410 } },
      gate: { ws: { port: 0 }, host: '0.0.0.0' },
    });
    expect(() => parseFlags(['--logic-http-port', 'x'])).toThrow('--logic-http-port: expected a port number');
  });
});
