import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwitchboardClient, TcpClientTransport, WsClientTransport } from '@switchboard/client/node';
import { loadConfig } from '@switchboard/config';
import { startFakeUpstreams, type FakeUpstreams } from '@switchboard/gate/testing';
import { createLogger } from '@switchboard/log';
import { startTcpConn } from '@switchboard/tcp-conn/server';
import { startWsConn } from '@switchboard/ws-conn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** TLS on both gateways, with a throw-away self-signed certificate for 127.0.0.1. */
describe('TLS gateways (tcp-conn over TLS, ws-conn over WSS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  let upstreams: FakeUpstreams;
  let ca: Buffer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    ca = readFileSync(certFile);
    upstreams = await startFakeUpstreams();
  });
  afterAll(async () => {
    await upstreams.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () =>
    loadConfig({
      env: {},
      profile: 'default',
      overrides: {
        gate: {
          grpcPort: 0,
          health: { enabled: false, port: 0 },
          tcp: { port: 0, tls: { enabled: true, certFile, keyFile } },
          ws: { port: 0, tls: { enabled: true, certFile, keyFile } },
        },
        gateClient: { logicAddress: upstreams.logicAddress, routeAddress: upstreams.routeAddress },
        internal: { secret: upstreams.secret },
      },
    });
  const logger = createLogger({ level: 'silent', service: 'tls-test' });

  it('speaks the protocol over TLS on TCP and refuses an untrusted handshake', async () => {
    const app = await startTcpConn({ config: config(), logger });
    try {
      const client = new SwitchboardClient(
        await TcpClientTransport.connect('127.0.0.1', app.tcpPort, { ca }),
      );
      await client.signIn({ token: 'good', deviceId: 'tls-tcp' });
      await expect(client.heartbeat()).resolves.toBeUndefined();
      client.close();
      await expect(TcpClientTransport.connect('127.0.0.1', app.tcpPort, {})).rejects.toThrow(
        /self.signed|certificate/i,
      );
    } finally {
      await app.stop();
    }
  });

  it('speaks the protocol over WSS', async () => {
    const app = await startWsConn({ config: config(), logger });
    try {
      const client = new SwitchboardClient(
        await WsClientTransport.connect(`wss://127.0.0.1:${app.wsPort}/ws`, { ca }),
      );
      await client.signIn({ token: 'good', deviceId: 'tls-ws' });
      await expect(client.heartbeat()).resolves.toBeUndefined();
      client.close();
    } finally {
      await app.stop();
    }
  });
});
