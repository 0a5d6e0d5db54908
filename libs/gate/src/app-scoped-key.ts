// The app id is length-prefixed, so no choice of ids can make two different pairs share a key.
/** Key of one room (or tag) of one app. */
export function appScopedKey(appId: string, name: string): string {
  return `${appId.length}:${appId}${name}`;
}

/** Splits a key made by {@link appScopedKey} back into its app id and name. */
export function parseAppScopedKey(key: string): { appId: string; name: string } {
  const colon = key.indexOf(':');
  const start = colon + 1;
  const end = start + Number(key.slice(0, colon));
  return { appId: key.slice(start, end), name: key.slice(end) };
}
