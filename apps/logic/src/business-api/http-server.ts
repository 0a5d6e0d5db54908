import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from '@switchboard/log';
import { ErrorCode, errorCodeToJSON } from '@switchboard/proto/client';
import { isCodedError, RpcError, type CodedError } from '@switchboard/rpc';
import { ADMIN_CSP, ADMIN_PATH, type AdminAsset } from './admin-console.js';
import type { BusinessApi, BusinessCaller } from './business-api.js';
import type { BusinessApiMetrics } from './business-api-metrics.js';
import type { CallGuard } from './call-guard.js';
import { registerDevChat, type DevChatOptions } from './dev-chat.js';
import { errorBody, httpStatusOf } from './http-status.js';
import { httpPathOf, OPENAPI_PATH, openApiDocument } from './openapi.js';
import { normaliseRequest, renderResponse } from './proto-json.js';
import { publicErrorOf } from './public-error.js';
import type { RpcEntry } from './rpc-table.js';
import { businessAjv, schemaError, schemaRef } from './schema-validator.js';

/** The version of the HTTP API in its index and OpenAPI document. */
export const HTTP_API_VERSION = 'v1';

export interface BusinessHttpOptions {
  api: BusinessApi;
  rpcs: readonly RpcEntry[];
  guard: CallGuard;
  metrics: BusinessApiMetrics;
  logger: Logger;
  /** `logic.api.bodyLimitBytes`. */
  bodyLimitBytes: number;
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** The admin console's files, served under `/admin/` (none: not served). */
  adminConsole?: ReadonlyMap<string, AdminAsset> | undefined;
  /** The web chat and its dev-only API under `/chat/` (none: those paths answer 404). */
  devChat?: DevChatOptions | undefined;
}

/** What one request carries from hook to handler to the metrics. */
interface CallState {
  rpc?: RpcEntry;
  caller?: BusinessCaller;
  /** `OK` or the catalog name of the error answered. */
  code?: string;
}

type UntypedCall = (caller: BusinessCaller, request: unknown) => Promise<unknown>;

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The answer to a body with a Content-Encoding: fastify does not inflate bodies, and a compressed
 * one read as JSON was refused as "not valid JSON". Not inflating is deliberate: the body limit
 * holds for the bytes received, with no ratio of a compressed body to bound.
 */
export const COMPRESSED_BODY =
  'the request body must not be compressed: send it as plain JSON, without Content-Encoding';

/** A fault of the request itself that fastify found (framework errors all carry an `FST_` code). */
function clientFault(err: FastifyError, limit: number): { status: number; error: RpcError } | undefined {
  const invalid = (status: number, message: string) => ({
    status,
    error: new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message),
  });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        error: new RpcError(
          ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE,
          `the request body is larger than ${limit} bytes`,
        ),
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalid(415, 'the request body must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid(400, 'the request body is empty: send {} for a request without fields');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalid(400, 'the request body is not valid JSON');
  }
  if (typeof err.code === 'string' && err.code.startsWith('FST_') && (err.statusCode ?? 500) < 500) {
    return invalid(err.statusCode ?? 400, 'the request is malformed');
  }
  return undefined;
}

/**
 * The HTTP JSON business API (not listening yet): `POST /v1/<rpc_name>` for every RPC, with the
 * body checked against the generated JSON Schema, `GET /v1/openapi.json` and a small index at
 * `GET /v1/`. Every answer that is not a success is a catalog error as `{code, message, field}`.
 */
export function businessHttpServer(options: BusinessHttpOptions): FastifyInstance {
  const { api, rpcs, guard, metrics, logger, bodyLimitBytes } = options;
  const common = {
    logger: false,
    bodyLimit: bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      fail(request, reply, err),
  } as const;
  const app = (options.tls
    ? Fastify({ ...common, https: options.tls })
    : Fastify(common)) as unknown as FastifyInstance;
  const states = new WeakMap<FastifyRequest, CallState>();
  const stateOf = (request: FastifyRequest): CallState => {
    let state = states.get(request);
    if (!state) {
      state = {};
      states.set(request, state);
    }
    return state;
  };

  function send(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    error: CodedError,
  ): FastifyReply {
    stateOf(request).code = errorCodeToJSON(error.code);
    return reply
      .code(status)
      .type('application/json')
      .send(errorBody(error.code, error.message, error.field));
  }

  function fail(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    const state = stateOf(request);
    const fe = err as FastifyError;
    if (fe?.validation && state.rpc) {
      const error = schemaError(state.rpc.request, fe.validation);
      logger.debug(
        { method: state.rpc.name, field: error.field },
        'business API request refused by its schema',
      );
      return send(request, reply, 400, error);
    }
    const fault = err instanceof Error && !isCodedError(err) ? clientFault(fe, bodyLimitBytes) : undefined;
    if (fault) {
      logger.debug({ method: state.rpc?.name, reason: fe.code }, 'malformed business API request');
      return send(request, reply, fault.status, fault.error);
    }
    const { error, bug } = publicErrorOf(err);
    const method = state.rpc?.name;
    if (bug) logger.error({ err, method, transport: 'http' }, 'business API call failed');
    else if (error.code === ErrorCode.ERROR_CODE_UNAVAILABLE) {
      logger.warn(
        { method, reason: String((error.cause as Error | undefined)?.message ?? error.message) },
        'business API call failed: unavailable',
      );
    } else
      logger.debug(
        { method, code: errorCodeToJSON(error.code), field: error.field },
        'business API call refused',
      );
    return send(request, reply, httpStatusOf(error.code), error);
  }

  // JSON only: fastify would otherwise hand a text/plain body to the schema as a string.
  app.removeContentTypeParser('text/plain');
  const ajv = businessAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  app.setErrorHandler((err, request, reply) => fail(request, reply, err));
  // Says where the endpoints are rather than echoing the path asked for (a caller's text in our
  // answer and logs); it read "no such endpoint: GET /v1/<rpc_name>" for any path.
  app.setNotFoundHandler((request, reply) =>
    send(
      request,
      reply,
      404,
      new RpcError(
        ErrorCode.ERROR_CODE_NOT_FOUND,
        'no such endpoint: the business API is POST /v1/<rpc_name> (GET /v1/ lists them)',
      ),
    ),
  );
  app.addHook('onResponse', async (request, reply) => {
    const state = states.get(request);
    const code = state?.code ?? (reply.statusCode < 400 ? 'OK' : 'ERROR_CODE_INTERNAL');
    metrics.observe('http', state?.rpc?.name ?? 'none', code, reply.elapsedTime / 1000);
  });

  const methodNotAllowed = (allow: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', allow);
    return send(
      request,
      reply,
      405,
      new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, `use ${allow} here`),
    );
  };

  for (const rpc of rpcs) {
    const url = httpPathOf(rpc.httpName);
    const call = api[rpc.method] as unknown as UntypedCall;
    app.route({
      method: 'POST',
      url,
      schema: { body: { $ref: schemaRef(rpc.request) } },
      // Before the body is read: a caller without a valid key or over its rate gets nothing parsed.
      onRequest: async (request, reply) => {
        const state = stateOf(request);
        state.rpc = rpc;
        state.caller = await guard.admit(request.headers.authorization, 'http');
        const encoding = request.headers['content-encoding'];
        if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
          return send(
            request,
            reply,
            415,
            new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, COMPRESSED_BODY),
          );
      },
      handler: async (request, reply) => {
        const state = stateOf(request);
        const message = rpc.requestCodec.fromJSON(normaliseRequest(rpc.request, request.body));
        const response = await call.call(api, state.caller!, message);
        const body = renderResponse(rpc.response, rpc.responseCodec.toJSON(response));
        state.code = 'OK';
        return reply.type('application/json').send(body);
      },
    });
    app.route({ method: [...OTHER_METHODS], url, handler: methodNotAllowed('POST') });
  }

  const openapi = JSON.stringify(openApiDocument(HTTP_API_VERSION));
  const index = {
    name: 'Switchboard business API',
    version: HTTP_API_VERSION,
    openapi: OPENAPI_PATH,
    rpcs: rpcs.map((r) => httpPathOf(r.httpName)),
  };
  app.get(OPENAPI_PATH, async (request, reply) => {
    stateOf(request).code = 'OK';
    return reply.type('application/json').send(openapi);
  });
  app.get('/v1/', async (request, reply) => {
    stateOf(request).code = 'OK';
    return reply.type('application/json').send(index);
  });
  // The console is static and public: it holds no data, and asks `/v1/` with the key typed into it.
  for (const [name, asset] of options.adminConsole ?? []) {
    app.get(name === 'index.html' ? ADMIN_PATH : `${ADMIN_PATH}${name}`, async (request, reply) => {
      stateOf(request).code = 'OK';
      return reply
        .header('content-security-policy', ADMIN_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .type(asset.type)
        .send(asset.body);
    });
  }
  if (options.devChat) registerDevChat(app, options.devChat);
  for (const url of [OPENAPI_PATH, '/v1/']) {
    app.route({
      method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      handler: methodNotAllowed('GET'),
    });
  }
  return app;
}
