import type { Storage } from '@switchboard/storage';
import type { AppCredentials, AppLookup } from './token-verifier.js';

/**
 * App credentials for sign-ins, cached for `ttlMs` so that a sign-in storm does not read the app row
 * every time. A rotation is still seen at once for new tokens (the verifier asks again, fresh, when a
 * signature fails); a token signed with a secret rotated out without grace may pass for up to `ttlMs`.
 */
export function cachedAppCredentials(storage: Storage, ttlMs = 2_000, now = Date.now): AppLookup {
  const cache = new Map<string, { value: AppCredentials | undefined; until: number }>();
  return async (appId, fresh = false) => {
    const t = now();
    const hit = cache.get(appId);
    if (hit && !fresh && hit.until > t) return hit.value;
    const app = await storage.apps.get(appId);
    const value: AppCredentials | undefined = app && {
      secrets:
        app.previousTokenSecret && (app.previousSecretValidUntil ?? 0) > t
          ? [app.tokenSecret, app.previousTokenSecret]
          : [app.tokenSecret],
      allowClientTags: app.allowClientTags,
    };
    // Misses are not cached: an app created a moment ago must work at once. Bounded by the apps that
    // exist; forget everything now and then all the same.
    if (cache.size > 10_000) cache.clear();
    if (value) cache.set(appId, { value, until: t + ttlMs });
    return value;
  };
}
