import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { createLogger, memoryDestination } from '@switchboard/log';
import { Registry } from '@switchboard/metrics';
import { BusinessServiceClient, type IsOnlineResponse } from '@switchboard/proto/business';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusinessApi, type StartedBusinessApi } from './start-business-api.js';
import { bearer, fakeAuthenticate, fakeBusinessApi, KEYS } from './test-fakes.js';

/** logic.api.tls: HTTPS and gRPC over TLS, with a throw-away self-signed certificate for 127.0.0.1. */
describe('business API over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-api-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  let started: StartedBusinessApi;
  let ca: Buffer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      { stdio: 'pipe' },
    );
    ca = readFileSync(certFile);
    started = await startBusinessApi({
      config: {
        logic: {
          api: {
            host: '127.0.0.1',
            httpPort: 0,
            grpcPort: 0,
            bodyLimitBytes: 1 << 20,
            ratePerKey: { perSecond: 0, burst: 1 },
            tls: { enabled: true, certFile, keyFile },
          },
        },
      },
      api: fakeBusinessApi(),
      authenticate: fakeAuthenticate,
      logger: createLogger({ level: 'silent', service: 'logic', destination: memoryDestination() }),
      registry: new Registry(),
    });
  });
  afterAll(async () => {
    await started?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: started.httpPort,
          path: '/v1/is_online',
          method: 'POST',
          ca,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.a}` },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ user_ids: ['on-1'] }));
    });
    expect(JSON.parse(body)).toMatchObject({ online: { 'on-1': true } });
  });

  it('serves gRPC over TLS', async () => {
    const client = new BusinessServiceClient(`127.0.0.1:${started.grpcPort}`, credentials.createSsl(ca));
    const res = await new Promise<IsOnlineResponse>((resolve, reject) =>
      client.isOnline({ userIds: ['on-2'] }, bearer(), (err, r) => (err ? reject(err) : resolve(r))),
    );
    client.close();
    expect(res.online).toEqual({ 'on-2': true });
  });
});
