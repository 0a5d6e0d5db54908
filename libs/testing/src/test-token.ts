import { SignJWT } from 'jose';

/** A client token as an app's backend mints it (HS256 with the app secret; app_id, sub, exp). */
export function testToken(appId: string, userId: string, secret: string, expiresIn = '2h'): Promise<string> {
  return new SignJWT({ app_id: appId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
