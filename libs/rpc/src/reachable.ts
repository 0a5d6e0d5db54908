import type { Client } from '@grpc/grpc-js';

/**
 * Resolves when the client's channel is connected (or connects within `timeoutMs`), rejects with
 * the address and grpc-js's reason otherwise. A readiness check: it sends no call. The default
 * is below Readiness's 2 s deadline so that grpc-js's reason (ECONNREFUSED...) is what is shown.
 */
export function channelReachable(client: Client, timeoutMs = 1_500): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => {
      if (!err) resolve();
      else reject(new Error(`${client.getChannel().getTarget()}: ${err.message}`));
    });
  });
}
