import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';

describe('freePort', () => {
  it.runIf(process.platform === 'linux')(
    'gives ports below the ephemeral range, so no outgoing connection can take one before the child listens',
    async () => {
      const low = Number(
        readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
      );
      const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      for (const port of ports) expect(port).toBeLessThan(low);
      expect(new Set(ports).size).toBe(ports.length);
    },
  );

  it('gives a port a server can listen on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
