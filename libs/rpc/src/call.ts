import type { CallOptions, ClientUnaryCall, Metadata, ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from './rpc-error.js';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * Calls a unary method of a ts-proto grpc-js client with a deadline and returns a
 * promise; failures arrive as RpcError with the server's switchboard code.
 */
export function call<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  timeoutMs: number,
): Promise<Res> {
  return callBy(client, method, request, metadata, Date.now() + timeoutMs);
}

/** {@link call} with a deadline given as a time (Unix ms) rather than a timeout. */
export function callBy<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadline: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method.call(client, request, metadata, { deadline }, (err, res) => {
      if (err) reject(fromServiceError(err));
      else resolve(res);
    });
  });
}
