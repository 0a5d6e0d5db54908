import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

/**
 * Mutual TLS between the services: every service presents `cert` (signed by `ca`) and accepts
 * only peers whose certificate `ca` signed. Clients check the server's certificate against
 * `serverName`, not against the address they dial (gates are dialled by pod IP), so every
 * service's certificate must name `serverName` (a DNS subject alternative name).
 */
export interface InternalTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  serverName: string;
}

/** The `internal.tls` config section. */
export interface InternalTlsConfig {
  enabled: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  serverName: string;
}

/** Reads the PEM files of `internal.tls`; undefined when it is off (plaintext). */
export function readInternalTls(config: InternalTlsConfig): InternalTls | undefined {
  if (!config.enabled) return undefined;
  return {
    ca: readFileSync(config.caFile),
    cert: readFileSync(config.certFile),
    key: readFileSync(config.keyFile),
    serverName: config.serverName,
  };
}

/** Server credentials: mutual TLS requiring a client certificate, or plaintext without `tls`. */
export function internalServerCredentials(tls: InternalTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/** Channel credentials and options of an internal client: mutual TLS, or plaintext without `tls`. */
export function internalChannel(tls: InternalTls | undefined): {
  credentials: ChannelCredentials;
  options: ChannelOptions;
} {
  if (!tls) return { credentials: credentials.createInsecure(), options: {} };
  return {
    credentials: credentials.createSsl(tls.ca, tls.key, tls.cert),
    options: { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName },
  };
}
