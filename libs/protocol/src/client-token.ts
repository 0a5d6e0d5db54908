import { SignJWT } from 'jose';

export interface TokenInput {
  appId: string;
  userId: string;
  deviceId?: string;
  ttlSeconds: number;
  secret: string;
  /** Unix seconds; defaults to now. */
  now?: number;
}

/** An HS256 client token with the claims logic verifies: app_id, sub, optional device_id, iat, exp. */
export function mintToken(input: TokenInput): Promise<string> {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, string> = { app_id: input.appId };
  if (input.deviceId) claims['device_id'] = input.deviceId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.userId)
    .setIssuedAt(now)
    .setExpirationTime(now + input.ttlSeconds)
    .sign(new TextEncoder().encode(input.secret));
}
