import { ServiceProcess } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';

describe('service start-up', () => {
  it.each(['route', 'logic', 'tcp-conn', 'ws-conn', 'standalone'])(
    '%s refuses a bad config value, naming the key and where it came from',
    async (app) => {
      const proc = ServiceProcess.start(app, { SWITCHBOARD_ROUTE__GRPC_PORT: 'abc' });
      const code = await proc.exited();
      expect(code).toBe(1);
      expect(proc.output.join('\n')).toContain(
        'config: route.grpcPort: expected number between 0 and 65535, got "abc" (from SWITCHBOARD_ROUTE__GRPC_PORT)',
      );
    },
    30_000,
  );
});
