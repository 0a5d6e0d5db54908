import { errors, jwtVerify, type JWTPayload } from 'jose';
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

const encoder = new TextEncoder();

/**
 * Verifies HS256 client tokens against the secret of the app they name.
 * Claims: `app_id`, `sub` (user id), optional `device_id` and `tags` (an array of strings), `exp`
 * (required). A claim of the wrong type is TOKEN_INVALID.
 * Failures are SwitchboardErrors the gate passes to the client: TOKEN_EXPIRED,
 * TOKEN_INVALID, or APP_NOT_FOUND.
 */
export class TokenVerifier {
  constructor(private readonly appOf: AppLookup) {}

  async verify(token: string): Promise<TokenClaims> {
    if (!token) throw new SwitchboardError(ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'a token is required');
    const appId = requireId(
      'app',
      unverifiedAppId(token),
      'the token app_id',
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
    );
    let app = await this.appOf(appId);
    if (app === undefined)
      throw new SwitchboardError(ErrorCode.ERROR_CODE_APP_NOT_FOUND, `unknown app "${appId}"`);
    try {
      let payload = await verifyWithAny(token, app.secrets);
      if (!payload) {
        app = (await this.appOf(appId, true)) ?? app;
        payload = await verifyWithAny(token, app.secrets);
      }
      if (!payload) throw new errors.JWSSignatureVerificationFailed();
      if (payload['app_id'] !== appId)
        throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token app_id mismatch');
      if (typeof payload.sub !== 'string') {
        throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token sub must be a string');
      }
      const deviceId = payload['device_id'];
      if (deviceId !== undefined && typeof deviceId !== 'string') {
        throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token device_id must be a string');
      }
      const tags = payload['tags'] ?? [];
      if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
        throw new SwitchboardError(
          ErrorCode.ERROR_CODE_TOKEN_INVALID,
          'token tags must be an array of strings',
        );
      }
      const issuedAt = typeof payload.iat === 'number' ? payload.iat : 0;
      return {
        appId,
        userId: payload.sub as string,
        tags,
        issuedAt,
        allowClientTags: app.allowClientTags,
        ...(deviceId ? { deviceId } : {}),
      };
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      if (err instanceof errors.JWTExpired)
        throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_EXPIRED, 'token expired');
      throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token signature or claims are invalid');
    }
  }
}

/**
 * The payload when one of the secrets verifies the signature; undefined when none does. Claim
 * errors (expired, missing sub) throw: they do not depend on the secret.
 */
async function verifyWithAny(token: string, secrets: readonly string[]): Promise<JWTPayload | undefined> {
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, encoder.encode(secret), {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (err) {
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
    }
  }
  return undefined;
}

/** Reads app_id from the payload before verification, only to pick the secret. */
function unverifiedAppId(token: string): string {
  const part = token.split('.')[1];
  if (!part) throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token is not a JWT');
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const appId = payload['app_id'];
    if (typeof appId === 'string' && appId) return appId;
  } catch {
    // fall through
  }
  throw new SwitchboardError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'token has no app_id claim');
}
