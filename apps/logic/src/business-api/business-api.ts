import type { BusinessServiceService } from '@switchboard/proto/business';

/** Who is calling the business API: the app its API key belongs to, and which key it is. */
export interface BusinessCaller {
  appId: string;
  /** The key's id (never the secret): rate limits, metrics and logs name it. */
  keyId: string;
}

type Service = typeof BusinessServiceService;

/** An RPC's method name as ts-proto writes it in the service definition (`sendMessage`). */
export type BusinessMethod = keyof Service;

/** The generated request type of an RPC. */
export type BusinessRequest<M extends BusinessMethod> = Parameters<Service[M]['requestSerialize']>[0];

/** The generated response type of an RPC. */
export type BusinessResponse<M extends BusinessMethod> = ReturnType<Service[M]['responseDeserialize']>;

/**
 * The business API as the transports (HTTP JSON, gRPC) call it: one async function per RPC of
 * `switchboard.business.v1.BusinessService`, derived from the generated definition so that a new
 * RPC in the proto does not compile until it is implemented. Each acts inside `caller.appId` only.
 * Failures are `SwitchboardError`s with a catalog code (and `field` when one request field is at
 * fault); a StorageError gets its catalog code from `fromStorageError`; anything else is answered
 * INTERNAL and logged as a bug.
 */
export type BusinessApi = {
  [M in BusinessMethod]: (
    caller: BusinessCaller,
    request: BusinessRequest<M>,
  ) => Promise<BusinessResponse<M>>;
};

/**
 * Resolves an API key (the secret from `Authorization: Bearer <key>`) to its caller. Rejects with
 * `SwitchboardError(ERROR_CODE_INVALID_API_KEY)` for an unknown or revoked key, without saying which.
 */
export type Authenticate = (apiKey: string) => Promise<BusinessCaller>;
