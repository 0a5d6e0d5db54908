import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { isCodedError, toStatus } from './rpc-error.js';

/**
 * Adapts `async (request) => response` to grpc-js's callback style. Errors are
 * mapped by toStatus, so handlers just throw SwitchboardError (or RpcError). `onError`
 * sees unexpected failures (neither of those), for logging.
 */
export function unary<Req, Res>(
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  onError?: (err: unknown, call: ServerUnaryCall<Req, Res>) => void,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    handler(call.request, call).then(
      (res) => callback(null, res),
      (err: unknown) => {
        if (!isCodedError(err)) onError?.(err, call);
        callback(toStatus(err));
      },
    );
  };
}
