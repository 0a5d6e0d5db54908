// The app id is length-prefixed, so no choice of ids can make two different pairs share a key.
/** Key of one room (or tag) of one app. */
export function appScopedKey(appId: string, name: string): string {
  return `${appId.length}:${appId}${name}`;
}
