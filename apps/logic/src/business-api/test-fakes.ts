import { request as httpRequest } from 'node:http';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { createLogger, memoryDestination, type MemoryDestination } from '@switchboard/log';
import { Registry } from '@switchboard/metrics';
import {
  BusinessServiceClient,
  BusinessServiceService,
  type HistoryMessage,
  type User,
} from '@switchboard/proto/business';
import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { StorageError } from '@switchboard/storage';
import { requireId } from '../ids.js';
import type { Authenticate, BusinessApi, BusinessCaller, BusinessMethod } from './business-api.js';
import type { RatePerKey } from './rate-limiter.js';
import { startBusinessApi, type StartedBusinessApi } from './start-business-api.js';

/** The largest message id a test expects back as the string "9007199254740991". */
export const BIG_ID = Number.MAX_SAFE_INTEGER;

/** API keys the fake authenticator knows. */
export const KEYS = { a: 'key-app-a', b: 'key-app-b' } as const;

/** Accepts the two keys of {@link KEYS}; any other is INVALID_API_KEY. */
export const fakeAuthenticate: Authenticate = async (apiKey) => {
  if (apiKey === KEYS.a) return { appId: 'app-a', keyId: 'ka' };
  if (apiKey === KEYS.b) return { appId: 'app-b', keyId: 'kb' };
  throw new SwitchboardError(ErrorCode.ERROR_CODE_INVALID_API_KEY, 'invalid API key');
};

export interface FakeBusinessApi extends BusinessApi {
  /** Every call made, as `appId:method`. */
  readonly calls: string[];
}

/**
 * A tiny in-memory business API: users (upsert, get), sending and reading back 1:1 history, and
 * presence; every other RPC answers NOT_FOUND. A user id of `boom` throws a plain Error (a bug),
 * `down` an outage of the network (UNAVAILABLE), `conflict` and `gone` a StorageError CONFLICT and
 * NOT_FOUND.
 */
export function fakeBusinessApi(): FakeBusinessApi {
  const calls: string[] = [];
  const users = new Map<string, User>();
  const history: HistoryMessage[] = [];
  const notFound = (method: BusinessMethod) => async (caller: BusinessCaller) => {
    calls.push(`${caller.appId}:${method}`);
    throw new SwitchboardError(ErrorCode.ERROR_CODE_NOT_FOUND, `${method} is not in this fake`);
  };
  const base = Object.fromEntries(
    Object.keys(BusinessServiceService).map((m) => [m, notFound(m as BusinessMethod)]),
  ) as unknown as BusinessApi;
  const trap = (userId: string) => {
    if (userId === 'boom') throw new Error('a bug with secret details');
    if (userId === 'down')
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3306'), { code: 'ECONNREFUSED' });
    if (userId === 'conflict') throw new StorageError('CONFLICT', 'transaction aborted 8 times');
    if (userId === 'gone') throw new StorageError('NOT_FOUND', 'no user gone');
  };
  return {
    ...base,
    calls,
    upsertUser: async (caller, req) => {
      calls.push(`${caller.appId}:upsertUser`);
      const userId = requireId('user', req.user?.userId ?? '', 'user.user_id');
      trap(userId);
      const user: User = { ...req.user!, createdAt: 1_700_000_000_000, updatedAt: BIG_ID, tags: [] };
      users.set(`${caller.appId}/${userId}`, user);
      return { user };
    },
    getUser: async (caller, req) => {
      calls.push(`${caller.appId}:getUser`);
      trap(req.userId);
      const user = users.get(`${caller.appId}/${req.userId}`);
      if (!user)
        throw new SwitchboardError(ErrorCode.ERROR_CODE_USER_NOT_FOUND, 'no such user', { field: 'user_id' });
      return { user };
    },
    sendMessage: async (caller, req) => {
      calls.push(`${caller.appId}:sendMessage`);
      history.unshift({
        messageId: BIG_ID - history.length,
        conversationSeq: history.length + 1,
        senderUserId: req.senderUserId,
        senderDeviceId: '',
        contentType: req.contentType,
        content: req.content,
        sentAt: 1_700_000_000_000,
        clientMsgId: req.clientMsgId,
      });
      return {
        messageId: BIG_ID - history.length + 1,
        conversationSeq: history.length,
        sentAt: 1_700_000_000_000,
        duplicate: false,
        delivered: 0,
      };
    },
    getHistory: async (caller) => {
      calls.push(`${caller.appId}:getHistory`);
      return { messages: history, hasMore: false };
    },
    isOnline: async (caller, req) => {
      calls.push(`${caller.appId}:isOnline`);
      return {
        online: Object.fromEntries(req.userIds.map((id) => [id, id.startsWith('on')])),
        users: req.userIds.map((userId) => ({ userId, online: userId.startsWith('on'), platforms: [] })),
      };
    },
  };
}

export interface TestServer {
  api: FakeBusinessApi;
  started: StartedBusinessApi;
  log: MemoryDestination;
  registry: Registry;
  url: string;
  grpc: BusinessServiceClient;
  close(): Promise<void>;
}

/** The business API on free local ports in front of {@link fakeBusinessApi}. */
export async function startTestServer(
  options: { ratePerKey?: RatePerKey; bodyLimitBytes?: number } = {},
): Promise<TestServer> {
  const api = fakeBusinessApi();
  const log = memoryDestination();
  const registry = new Registry();
  const started = await startBusinessApi({
    config: {
      logic: {
        api: {
          host: '127.0.0.1',
          httpPort: 0,
          grpcPort: 0,
          bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
          ratePerKey: options.ratePerKey ?? { perSecond: 0, burst: 1 },
          tls: { enabled: false, certFile: '', keyFile: '' },
        },
      },
    },
    api,
    authenticate: fakeAuthenticate,
    logger: createLogger({ level: 'debug', service: 'logic', destination: log }),
    registry,
  });
  const grpc = new BusinessServiceClient(`127.0.0.1:${started.grpcPort}`, credentials.createInsecure());
  return {
    api,
    started,
    log,
    registry,
    url: `http://127.0.0.1:${started.httpPort}`,
    grpc,
    close: async () => {
      grpc.close();
      await started.close();
    },
  };
}

/** Log lines at error level or above (pino's 50). */
export function errorLines(log: MemoryDestination): Record<string, unknown>[] {
  return log.lines.filter((l) => typeof l.level === 'number' && l.level >= 50);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown> | undefined;
}

/**
 * One HTTP request with exactly these method, path, headers and body bytes, on a connection of its
 * own: a server that answers before reading a body (a refused key) may close a kept-alive socket
 * just as a client reuses it, a race of keep-alive that a client retries and tests should not see.
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<RawResponse> {
  // Node sends a GET, DELETE or OPTIONS body without a length unless told: say it, always.
  const sized =
    body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers: sized, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `POST /v1/<rpc>` with a JSON body and a bearer key. */
export function post(
  url: string,
  rpc: string,
  body: unknown,
  key: string | undefined = KEYS.a,
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  return rawRequest(url, 'POST', `/v1/${rpc}`, headers, JSON.stringify(body));
}

/** Metadata with a bearer key. */
export function bearer(key: string = KEYS.a): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

/** The `sb-code` and `sb-field` trailers and status of a failed gRPC call. */
export function grpcFailure(err: unknown): {
  code: number | undefined;
  sbCode: number;
  sbField: string | undefined;
} {
  const e = err as ServiceError;
  return {
    code: e.code,
    sbCode: Number(e.metadata?.get('sb-code')[0]),
    sbField: e.metadata?.get('sb-field')[0] as string | undefined,
  };
}
