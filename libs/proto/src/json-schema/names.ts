/** proto3 JSON name of a field, as protoc derives it: underscores dropped, the letter after each capitalised. */
export function jsonNameOf(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `SendMessage` → `send_message`: an RPC's name as an HTTP path segment. */
export function snakeCaseOf(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}
