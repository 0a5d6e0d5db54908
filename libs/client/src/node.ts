// @switchboard/client/node: the SDK plus what only Node has: TCP (and TLS) and WebSocket through the
// `ws` package (Node 20 has no global WebSocket). Also the low-level clients the tests and benches drive.
import { WebSocket } from 'ws';
import { Switchboard, type SwitchboardOptions } from './sdk/switchboard.js';
import { tcpConnector } from './sdk/tcp-transport.js';
import { webSocketConnector, type Connector, type WebSocketConstructor } from './sdk/transport.js';

export * from './index.js';
export { tcpConnector } from './sdk/tcp-transport.js';
export { SwitchboardClient, type CloseInfo } from './switchboard-client.js';
export { TcpClientTransport, WsClientTransport, type ClientTransport } from './client-transport.js';
export { InboxClient, type InboxClientOptions, type InboxClientStats } from './inbox-client.js';

/** A connector for `tcp://host:port`, `ws://…` or `wss://…`. */
export function connectorFor(url: string): Connector {
  const u = new URL(url);
  if (u.protocol === 'tcp:') return tcpConnector(u.hostname, Number(u.port));
  if (u.protocol === 'ws:' || u.protocol === 'wss:')
    return webSocketConnector(url, WebSocket as unknown as WebSocketConstructor);
  throw new Error(`unsupported URL ${url}: use tcp://, ws:// or wss://`);
}

/** A {@link Switchboard} whose `url` may also be `tcp://host:port`; ws:// URLs use the `ws` package. */
export function createClient(options: SwitchboardOptions): Switchboard {
  const url = typeof options.url === 'string' ? connectorFor(options.url) : options.url;
  return new Switchboard({ ...options, url });
}
