import type { Client } from '@grpc/grpc-js';

/**
 * Resolves when the client's channel is connected (or connects within `timeoutMs`), rejects with
 * the address and grpc-js's reason otherwise. A readiness check: it sends no call.
 */
export function channelReachable(client: Client, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => {
      if (!err) resolve();
      else reject(new Error(`${client.getChannel().getTarget()}: ${err.message}`));
    });
  });
}
