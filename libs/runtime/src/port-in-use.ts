import { pathToEnvName, type Config } from '@switchboard/config';

/** The port an `EADDRINUSE` error names: Node's `err.port`, or the last `:<port>` of grpc-js's message. */
export function portInUse(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { code?: string; port?: number };
  if (e.code === 'EADDRINUSE' && typeof e.port === 'number') return e.port;
  const at = e.message.indexOf('EADDRINUSE');
  if (at < 0) return undefined;
  const ports = [...e.message.slice(at).matchAll(/:(\d{1,5})\b/g)].map((m) => Number(m[1]));
  return ports.at(-1);
}

/** Config keys whose name ends in `port` and whose value is `port`, as key paths. */
function portKeys(node: unknown, port: number, path: string[] = []): string[][] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const out: string[][] = [];
  for (const [key, value] of Object.entries(node)) {
    if (/port$/i.test(key) && value === port) out.push([...path, key]);
    else out.push(...portKeys(value, port, [...path, key]));
  }
  return out;
}

/**
 * When a listener could not bind because its port is taken, says which port, which config key
 * (and environment variable, and flag where the app has one) moves it, and the likely cause.
 * Undefined for any other error.
 */
export function explainPortInUse(
  err: unknown,
  config: Config,
  flags: Readonly<Record<string, string>> = {},
): string | undefined {
  const port = portInUse(err);
  if (port === undefined) return undefined;
  const keys = portKeys(config, port);
  const moves = keys.map((path) => {
    const key = path.join('.');
    const flag = flags[key];
    return `${key} (${pathToEnvName(path)}=<port>${flag ? ` or ${flag} <port>` : ''})`;
  });
  return [
    `port ${port} is already in use, so this service cannot listen on it.`,
    moves.length > 0
      ? `It is ${moves.join(', or ')}; move it there (0 picks any free port).`
      : 'Set the port option that names it to another value (0 picks any free port).',
    'Likely cause: another Switchboard (npm start, npm run cluster, or this same service) is already',
    `running on this machine. Stop it, or see who holds the port: ss -ltnp 'sport = :${port}'`,
  ].join('\n');
}
