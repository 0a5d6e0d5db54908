import type { Socket } from 'node:net';

interface PeerName {
  address?: string;
  port?: number;
}

/** What Node's TCP (and TLS) handles offer; not part of its public API, hence the fallback. */
interface PeerHandle {
  getpeername?(out: PeerName): number;
}

/**
 * The `ip:port` of a socket's peer, asked of the socket's handle on each call; `?:0` once the
 * socket has closed. Node's own `remoteAddress` keeps what it read on the socket for the socket's
 * whole life (an object and a string, about 90 bytes), which an idle connection would carry only
 * for the rare log line. Where the handle cannot be asked, Node's getter (and its copy) is used.
 */
export function peerAddress(socket: Socket): string {
  const handle = (socket as unknown as { _handle?: PeerHandle | null })._handle;
  if (typeof handle?.getpeername === 'function') {
    const out: PeerName = {};
    if (handle.getpeername(out) === 0 && out.address !== undefined) return `${out.address}:${out.port ?? 0}`;
  }
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}
