/**
 * Where a service can be reached: one gRPC address (`logic:7500`), a comma-separated list of them
 * (`logic-1:7500,logic-2:7500`), or the same as an array. An entry is `host:port` (the host may be
 * a DNS name, resolved to all its addresses and re-resolved over time), `dns:///name:port`, or a
 * grpc-js `ipv4:`/`ipv6:` list.
 */
export type AddressList = string | readonly string[];

/** Schemes an entry may carry; anything else before a colon is a host name. */
const SCHEMES = ['dns', 'ipv4', 'ipv6', 'unix'] as const;

/** The entries of an address list, trimmed, empty entries and duplicates dropped. */
export function parseAddressList(list: AddressList): string[] {
  const parts = typeof list === 'string' ? list.split(',') : list.flatMap((entry) => entry.split(','));
  const entries = [...new Set(parts.map((entry) => entry.trim()).filter((entry) => entry !== ''))];
  if (entries.length === 0) throw new Error('expected at least one gRPC address');
  return entries;
}

/** The grpc-js target of one entry: a scheme it knows is kept, a bare `host:port` becomes `dns:///host:port`. */
export function entryTarget(entry: string): { scheme: string; authority: string; path: string } {
  const match = /^([a-z0-9+.-]+):(?:\/\/([^/]*)\/)?(.+)$/i.exec(entry);
  const scheme = match?.[1]?.toLowerCase();
  if (match && SCHEMES.some((s) => s === scheme)) {
    return { scheme: scheme!, authority: match[2] ?? '', path: match[3]! };
  }
  return { scheme: 'dns', authority: '', path: entry };
}
