// Parts are length-prefixed, so no choice of ids can make two different triples share a key.
/** Key of one device of one user of one app, for local lookups. */
export function deviceKey(appId: string, userId: string, deviceId: string): string {
  return `${appId.length}:${appId}${userId.length}:${userId}${deviceId}`;
}

/** Key of one room (or tag) of one app. */
export function appScopedKey(appId: string, name: string): string {
  return `${appId.length}:${appId}${name}`;
}
