import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { RpcError, toStatus } from './rpc-error.js';

/**
 * Adapts `async (request) => response` to grpc-js's callback style. Errors are
 * mapped by toStatus, so handlers just throw RpcError. `onError` sees unexpected
 * (non-RpcError) failures, for logging.
 */
export function unary<Req, Res>(
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  onError?: (err: unknown, call: ServerUnaryCall<Req, Res>) => void,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    handler(call.request, call).then(
      (res) => callback(null, res),
      (err: unknown) => {
        if (!(err instanceof RpcError)) onError?.(err, call);
        callback(toStatus(err));
      },
    );
  };
}
