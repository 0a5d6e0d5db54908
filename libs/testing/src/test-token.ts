import { SignJWT } from 'jose';

/**
 * A client token as an app's backend mints it: HS256 with the app secret; app_id, sub, iat, exp, and
 * device_id when one is given.
 */
export function testToken(
  appId: string,
  userId: string,
  secret: string,
  expiresIn = '2h',
  deviceId?: string,
): Promise<string> {
  return new SignJWT({ app_id: appId, ...(deviceId ? { device_id: deviceId } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
