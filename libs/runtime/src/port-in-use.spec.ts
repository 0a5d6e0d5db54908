import { loadConfig } from '@switchboard/config';
import { describe, expect, it } from 'vitest';
import { explainPortInUse, portInUse } from './port-in-use.js';

const nodeError = (port: number) =>
  Object.assign(new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`), {
    code: 'EADDRINUSE',
    port,
  });
const grpcError = (port: number) =>
  new Error(
    `No address added out of total 1 resolved errors: [listen EADDRINUSE: address already in use 127.0.0.1:${port}]`,
  );

describe('port clash at start-up', () => {
  it("finds the port in Node's and grpc-js's errors, and nothing in others", () => {
    expect(portInUse(nodeError(7200))).toBe(7200);
    expect(portInUse(grpcError(7400))).toBe(7400);
    expect(portInUse(new Error('connect ECONNREFUSED 127.0.0.1:3306'))).toBeUndefined();
  });

  it('names the port, the key, variable and flag that move it, and the likely cause', () => {
    const config = loadConfig({ profile: 'embedded' });
    const text = explainPortInUse(nodeError(7200), config, { 'gate.ws.port': '--ws-port' })!;
    expect(text).toContain('port 7200 is already in use');
    expect(text).toContain('gate.ws.port (SWITCHBOARD_GATE__WS__PORT=<port> or --ws-port <port>)');
    expect(text).toContain('another Switchboard');
    expect(explainPortInUse(grpcError(7400), config)).toContain(
      'route.grpcPort (SWITCHBOARD_ROUTE__GRPC_PORT=<port>)',
    );
    expect(explainPortInUse(new Error('boom'), config)).toBeUndefined();
  });
});
