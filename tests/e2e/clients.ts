import { SwitchboardClient, TcpClientTransport, WsClientTransport } from '@switchboard/client/node';

/** Opens a client on a `tcp://host:port` or `ws://host:port/path` URL. */
export async function connect(url: string, options: { json?: boolean } = {}): Promise<SwitchboardClient> {
  const u = new URL(url);
  if (u.protocol === 'tcp:')
    return new SwitchboardClient(await TcpClientTransport.connect(u.hostname, Number(u.port)));
  return new SwitchboardClient(await WsClientTransport.connect(url, options));
}

/** Connects and signs in with a token; returns the client and its SignInResponse. */
export async function signedIn(
  url: string,
  token: string,
  deviceId: string,
  options: { json?: boolean } = {},
) {
  const client = await connect(url, options);
  const res = await client.signIn({ token, deviceId, platform: 'test' });
  return { client, res };
}

export const text = (m: { content: Uint8Array }) => Buffer.from(m.content).toString('utf8');
