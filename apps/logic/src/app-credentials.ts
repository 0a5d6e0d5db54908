import type { App, Storage } from '@switchboard/storage';
import type { AppCredentials, AppLookup } from './token-verifier.js';

/** An app row by id, possibly from a short-lived cache; `fresh` reads past it. */
export type CachedApps = (appId: string, fresh?: boolean) => Promise<App | undefined>;

/**
 * App rows cached for `ttlMs`, shared by everything in logic that reads an app on a busy path
 * (sign-in credentials, the offline-push webhook), so that a sign-in storm or a burst of messages
 * does not read the app row every time. Misses are not cached: an app created a moment ago must work
 * at once. A change made elsewhere (a rotation, a new webhook) is seen within `ttlMs`.
 */
export function cachedApps(storage: Storage, ttlMs = 2_000, now = Date.now): CachedApps {
  const cache = new Map<string, { app: App; until: number }>();
  return async (appId, fresh = false) => {
    const t = now();
    const hit = cache.get(appId);
    if (hit && !fresh && hit.until > t) return hit.app;
    const app = await storage.apps.get(appId);
    // Bounded by the apps that exist; forget everything now and then all the same.
    if (cache.size > 10_000) cache.clear();
    if (app) cache.set(appId, { app, until: t + ttlMs });
    return app;
  };
}

/**
 * What the token verifier needs of an app. A rotation is still seen at once for new tokens (the
 * verifier asks again, fresh, when a signature fails); a token signed with a secret rotated out
 * without grace may pass for up to the cache's ttl.
 */
export function appCredentials(apps: CachedApps, now = Date.now): AppLookup {
  // A cached app row is the same object for the cache's ttl, so its credentials are built once for
  // it rather than on every sign-in, and again only once the previous secret's grace has ended.
  const built = new WeakMap<App, { credentials: AppCredentials; until: number }>();
  return async (appId, fresh) => {
    const app = await apps(appId, fresh);
    if (!app) return undefined;
    const t = now();
    const hit = built.get(app);
    if (hit !== undefined && t < hit.until) return hit.credentials;
    const graceUntil = app.previousSecretValidUntil ?? 0;
    const previous = app.previousTokenSecret && graceUntil > t ? app.previousTokenSecret : undefined;
    const credentials: AppCredentials = {
      secrets: previous ? [app.tokenSecret, previous] : [app.tokenSecret],
      allowClientTags: app.allowClientTags,
    };
    built.set(app, { credentials, until: previous ? graceUntil : Infinity });
    return credentials;
  };
}
