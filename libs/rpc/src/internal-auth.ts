import { createHash, timingSafeEqual } from 'node:crypto';
import {
  InterceptingCall,
  Metadata,
  status,
  type Interceptor,
  type ServerErrorResponse,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { CODE_METADATA_KEY, INTERNAL_AUTH_REFUSED_KEY } from './rpc-error.js';

/** Metadata key that carries the internal credential on every call between services. */
export const INTERNAL_AUTH_METADATA_KEY = 'sb-internal-auth';

/** Shortest internal secret accepted (each entry of the list). */
export const INTERNAL_SECRET_MIN_LENGTH = 32;

/** What a caller without the right credential is told: nothing about why or what was expected. */
export const UNAUTHENTICATED_MESSAGE = 'unauthenticated';

/**
 * The internal secrets in `internal.secret`: one secret, or several separated by commas during a
 * rotation. Every one is accepted by servers; clients send the first.
 */
export function parseInternalSecrets(secret: string): string[] {
  return secret
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Checks the `sb-internal-auth` value of incoming calls against the accepted secrets. Values are
 * compared as SHA-256 digests with `timingSafeEqual`, so neither the length nor the content of a
 * secret leaks through timing; every accepted secret is compared, whichever matches.
 */
export class InternalAuthVerifier {
  private readonly accepted: Buffer[];

  /** @param secret `internal.secret`: one secret or a comma-separated list; empty is refused. */
  constructor(secret: string) {
    const secrets = parseInternalSecrets(secret);
    if (secrets.length === 0) {
      throw new Error('an internal gRPC server needs internal.secret (SWITCHBOARD_INTERNAL__SECRET)');
    }
    this.accepted = secrets.map(digest);
  }

  /** Whether `metadata` carries one of the accepted secrets. */
  verify(metadata: Metadata): boolean {
    const values = metadata.get(INTERNAL_AUTH_METADATA_KEY);
    if (values.length !== 1) return false;
    const presented = digest(values[0]!);
    let ok = false;
    for (const secret of this.accepted) ok = timingSafeEqual(presented, secret) || ok;
    return ok;
  }
}

function unauthenticated(): ServerErrorResponse {
  const metadata = new Metadata();
  metadata.set(CODE_METADATA_KEY, String(ErrorCode.ERROR_CODE_UNAUTHENTICATED));
  metadata.set(INTERNAL_AUTH_REFUSED_KEY, '1');
  return Object.assign(new Error(UNAUTHENTICATED_MESSAGE), {
    code: status.UNAUTHENTICATED,
    details: UNAUTHENTICATED_MESSAGE,
    metadata,
  });
}

type AnyServerCall = {
  metadata: Metadata;
  emit(event: 'error', err: ServerErrorResponse): boolean;
};

/**
 * Wraps every handler of `implementation` so that a call without the right internal credential
 * is refused with UNAUTHENTICATED (switchboard code 300) before the handler runs.
 */
export function authenticated(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  verifier: InternalAuthVerifier,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    const inner = handler as (call: AnyServerCall, callback?: (err: ServerErrorResponse) => void) => void;
    out[name] = ((call: AnyServerCall, callback?: (err: ServerErrorResponse) => void) => {
      if (verifier.verify(call.metadata)) return inner(call, callback);
      // Unary and client-streaming calls answer through the callback; streaming replies through
      // an error on the call.
      if (method && !method.responseStream && callback) callback(unauthenticated());
      else call.emit('error', unauthenticated());
    }) as UntypedHandleCall;
  }
  return out;
}

/** A client interceptor that puts the internal credential (the first secret) on every call. */
export function internalAuthInterceptor(secret: string): Interceptor {
  const [first] = parseInternalSecrets(secret);
  if (first === undefined) {
    throw new Error('an internal gRPC client needs internal.secret (SWITCHBOARD_INTERNAL__SECRET)');
  }
  return (options, nextCall): InterceptingCall =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(INTERNAL_AUTH_METADATA_KEY, first);
        next(metadata, listener);
      },
    });
}

/**
 * Client options that authenticate every call of a ts-proto grpc-js client with the internal
 * secret: `new RouteServiceClient(address, credentials.createInsecure(), internalClientOptions(s))`.
 */
export function internalClientOptions(secret: string): { interceptors: Interceptor[] } {
  return { interceptors: [internalAuthInterceptor(secret)] };
}
