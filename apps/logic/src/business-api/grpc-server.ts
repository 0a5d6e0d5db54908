import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '@switchboard/log';
import { ErrorCode, errorCodeToJSON } from '@switchboard/proto/client';
import { GRPC_CHANNEL_OPTIONS, listen, RpcError, toStatus } from '@switchboard/rpc';
import type { BusinessApi, BusinessCaller } from './business-api.js';
import type { BusinessApiMetrics } from './business-api-metrics.js';
import type { CallGuard } from './call-guard.js';
import { publicErrorOf } from './public-error.js';
import type { RpcEntry } from './rpc-table.js';

export interface BusinessGrpcOptions {
  api: BusinessApi;
  rpcs: readonly RpcEntry[];
  guard: CallGuard;
  metrics: BusinessApiMetrics;
  logger: Logger;
  /** Largest request message accepted (`logic.api.bodyLimitBytes`, as for HTTP). */
  maxRequestBytes: number;
  /** PEM certificate and key: TLS instead of plaintext. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
}

export interface StartedBusinessGrpc {
  port: number;
  stop(graceMs?: number): Promise<void>;
}

type UntypedCall = (caller: BusinessCaller, request: unknown) => Promise<unknown>;

/**
 * The service definition with requests left as bytes: each handler decodes its own request, after
 * the caller is authenticated, so that a malformed message is INVALID_ARGUMENT with an `sb-code`
 * (grpc-js answers a failing deserializer with a bare INTERNAL).
 */
function rawRequestDefinition(rpcs: readonly RpcEntry[]): ServiceDefinition {
  const definition: Record<string, ServiceDefinition[string]> = {};
  for (const rpc of rpcs) {
    definition[rpc.method] = {
      path: rpc.grpcPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (value: Buffer) => value,
      responseSerialize: (value: unknown) => Buffer.from(rpc.responseCodec.encode(value).finish()),
      responseDeserialize: (value: Buffer) => rpc.responseCodec.decode(value),
    };
  }
  return definition;
}

/**
 * Serves the business API as `switchboard.business.v1.BusinessService` on its own port. Not the
 * internal server: no internal secret; instead the `authorization: Bearer <key>` metadata goes
 * through the same {@link CallGuard} as HTTP. Errors are gRPC statuses with `sb-code` (and
 * `sb-field`) trailers.
 */
export async function startBusinessGrpc(
  host: string,
  port: number,
  options: BusinessGrpcOptions,
): Promise<StartedBusinessGrpc> {
  const { api, rpcs, guard, metrics, logger } = options;
  const server = new Server({
    ...GRPC_CHANNEL_OPTIONS,
    'grpc.max_receive_message_length': options.maxRequestBytes,
    'grpc.keepalive_time_ms': 30_000,
  });
  const implementation: UntypedServiceImplementation = {};
  for (const rpc of rpcs) {
    const call = api[rpc.method] as unknown as UntypedCall;
    const handle = async (request: ServerUnaryCall<Buffer, unknown>): Promise<unknown> => {
      const values = request.metadata.get('authorization');
      const authorization = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
      const caller = await guard.admit(authorization, 'grpc');
      let message: unknown;
      try {
        message = rpc.requestCodec.decode(request.request);
      } catch (cause) {
        throw new RpcError(
          ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
          `the request is not a valid ${rpc.request} message`,
          {
            cause,
          },
        );
      }
      return call.call(api, caller, message);
    };
    implementation[rpc.method] = (
      request: ServerUnaryCall<Buffer, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      handle(request).then(
        (response) => {
          metrics.observe('grpc', rpc.name, 'OK', seconds());
          callback(null, response);
        },
        (err: unknown) => {
          const { error, bug } = publicErrorOf(err);
          if (bug) logger.error({ err, method: rpc.name, transport: 'grpc' }, 'business API call failed');
          else
            logger.debug(
              { method: rpc.name, code: errorCodeToJSON(error.code), field: error.field },
              'business API call refused',
            );
          metrics.observe('grpc', rpc.name, errorCodeToJSON(error.code), seconds());
          callback(toStatus(error));
        },
      );
    };
  }
  server.addService(rawRequestDefinition(rpcs), implementation);
  const credentials = options.tls
    ? ServerCredentials.createSsl(
        null,
        [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
        false,
      )
    : ServerCredentials.createInsecure();
  return listen(server, host, port, credentials);
}
