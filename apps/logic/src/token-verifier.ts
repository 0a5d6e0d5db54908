import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import { requireId } from './ids.js';

/** What a verified client token says. */
export interface TokenClaims {
  appId: string;
  userId: string;
  /** Present when the token is bound to one device. */
  deviceId?: string;
  /** The `tags` claim: tags the app's backend grants this connection (empty when absent). */
  tags: string[];
  /** The `iat` claim in Unix seconds; 0 when absent (such a token is refused once a user revoked tokens). */
  issuedAt: number;
  /** The app's own client-tag setting (null: the server's `logic.tags.allowClientDeclared`). */
  allowClientTags: boolean | null;
}

/** What the verifier needs of an app: the secrets tokens may be signed with, newest first. */
export interface AppCredentials {
  secrets: string[];
  allowClientTags: boolean | null;
}

/**
 * Looks an app up; `fresh` asks past any cache (a signature that fails against cached secrets is
 * checked once more against fresh ones, so a rotation is seen at once).
 */
export type AppLookup = (appId: string, fresh?: boolean) => Promise<AppCredentials | undefined>;

/** A compact JWS cut in its base64url parts, header and payload decoded; nothing in it trusted yet. */
interface Jwt {
  /** Undefined when not a base64url JSON object, or when the token is not three parts. */
  header: Readonly<Record<string, unknown>> | undefined;
  payload: Record<string, unknown>;
  /** `header.payload` exactly as received: what the signature covers. */
  signingInput: string;
  signature: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An HMAC-SHA-256 is 32 bytes: 43 base64url characters without padding. */
const HS256_SIGNATURE_CHARS = 43;

const invalid = (message: string) => new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, message);

/**
 * Verifies HS256 client tokens against the secret of the app they name.
 * Claims: `app_id`, `sub` (user id), optional `device_id` and `tags` (an array of strings), `exp`
 * (required), `nbf` and `iat` (numbers when present). A claim of the wrong type is TOKEN_INVALID.
 * Failures are SwitchboardErrors the gate passes to the client: TOKEN_EXPIRED,
 * TOKEN_INVALID, or APP_NOT_FOUND.
 *
 * The HMAC is computed synchronously with node:crypto: WebCrypto (what jose uses) costs a promise
 * and a thread-pool round trip per signature, a tenth of logic's CPU in a sign-in storm. The checks
 * are jose's `jwtVerify` with `algorithms: ['HS256']` and `requiredClaims: ['exp', 'sub']`, except
 * that a `crit` header is refused (no extension is understood here).
 */
export class TokenVerifier {
  constructor(private readonly appOf: AppLookup) {}

  async verify(token: string): Promise<TokenClaims> {
    if (!token) throw new SwitchboardError(ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'a token is required');
    const jwt = decodeJwt(token);
    const appId = requireId(
      'app',
      typeof jwt.payload['app_id'] === 'string' ? jwt.payload['app_id'] : '',
      'the token app_id',
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    let app = await this.appOf(appId);
    if (app === undefined)
      throw new SwitchboardError(ErrorCode.ERROR_CODE_APP_NOT_FOUND, `unknown app "${appId}"`);
    // Checked after the app, as jose did: a token of an unknown app is APP_NOT_FOUND whatever its header.
    if (jwt.header?.['alg'] !== 'HS256' || jwt.header['crit'] !== undefined) {
      throw invalid('token signature or claims are invalid');
    }
    if (!signedWithAny(jwt, app.secrets)) {
      app = (await this.appOf(appId, true)) ?? app;
      if (!signedWithAny(jwt, app.secrets)) throw invalid('token signature or claims are invalid');
    }
    return claimsOf(appId, jwt.payload, app.allowClientTags);
  }
}

/** Cuts a compact JWS; only a payload that is not a JSON object with an app_id fails here. */
function decodeJwt(token: string): Jwt {
  const parts = token.split('.');
  if (parts[1] === undefined) throw invalid('token is not a JWT');
  const payload = decodePart(parts[1]);
  if (!payload) throw invalid('token has no app_id claim');
  return {
    header: parts.length === 3 ? headerOf(parts[0]!) : undefined,
    payload,
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: parts[2] ?? '',
  };
}

/** Headers seen, by their base64url text: an app's tokens share one, decoded once, not per sign-in. */
const headers = new Map<string, Readonly<Record<string, unknown>> | undefined>();
/** Distinct headers kept; past this many (only odd clients send varied headers) it starts over. */
const MAX_HEADERS = 64;

/** {@link decodePart} of a header, from {@link headers} when seen before; never to be changed. */
function headerOf(part: string): Readonly<Record<string, unknown>> | undefined {
  const seen = headers.get(part);
  if (seen !== undefined || headers.has(part)) return seen;
  const header = decodePart(part);
  if (headers.size >= MAX_HEADERS) headers.clear();
  headers.set(part, header && Object.freeze(header));
  return header;
}

/** A base64url JSON object, or undefined for anything else. */
function decodePart(part: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** True when one of the secrets made the signature (compared in constant time). */
function signedWithAny(jwt: Jwt, secrets: readonly string[]): boolean {
  if (jwt.signature.length !== HS256_SIGNATURE_CHARS || !BASE64URL.test(jwt.signature)) return false;
  const given = Buffer.from(jwt.signature, 'base64url');
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(jwt.signingInput).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}

/** The claims of a token whose signature verified, checked in the order jose checks them. */
function claimsOf(
  appId: string,
  payload: Record<string, unknown>,
  allowClientTags: boolean | null,
): TokenClaims {
  for (const claim of ['sub', 'exp']) {
    if (!Object.hasOwn(payload, claim)) throw invalid(`token has no ${claim} claim`);
  }
  const iat = numericDate(payload, 'iat');
  const nbf = numericDate(payload, 'nbf');
  const exp = numericDate(payload, 'exp');
  const now = Math.floor(Date.now() / 1000);
  if (nbf !== undefined && nbf > now) throw invalid('token is not valid yet');
  if (exp !== undefined && exp <= now)
    throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_EXPIRED, 'token expired');
  const sub = payload['sub'];
  if (typeof sub !== 'string') throw invalid('token sub must be a string');
  const deviceId = payload['device_id'];
  if (deviceId !== undefined && typeof deviceId !== 'string') {
    throw invalid('token device_id must be a string');
  }
  const tags = payload['tags'] ?? [];
  if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
    throw invalid('token tags must be an array of strings');
  }
  return {
    appId,
    userId: sub,
    tags,
    issuedAt: iat ?? 0,
    allowClientTags,
    ...(deviceId ? { deviceId } : {}),
  };
}

/** A NumericDate claim: undefined when absent, TOKEN_INVALID when not a number. */
function numericDate(payload: Record<string, unknown>, claim: string): number | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalid(`token ${claim} must be a number`);
  return value;
}
