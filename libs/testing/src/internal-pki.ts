import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a throwaway PKI for mutual TLS between the services (`internal.tls`). */
export interface InternalPki {
  caFile: string;
  /** Signed by the CA, naming `serverName`; usable as server and as client certificate. */
  certFile: string;
  keyFile: string;
  /** Signed by another CA: a peer the services must refuse. */
  strangerCertFile: string;
  strangerKeyFile: string;
  serverName: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function ca(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

function leaf(dir: string, name: string, issuer: { cert: string; key: string }, serverName: string) {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    csr,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    issuer.cert,
    '-CAkey',
    issuer.key,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** Makes a CA, a service certificate it signs, and a stranger's certificate, with `openssl`. */
export function makeInternalPki(dir: string, serverName = 'switchboard-internal'): InternalPki {
  const root = ca(dir, 'internal-ca');
  const service = leaf(dir, 'service', root, serverName);
  const stranger = leaf(dir, 'stranger', ca(dir, 'stranger-ca'), serverName);
  return {
    caFile: root.cert,
    certFile: service.cert,
    keyFile: service.key,
    strangerCertFile: stranger.cert,
    strangerKeyFile: stranger.key,
    serverName,
  };
}
