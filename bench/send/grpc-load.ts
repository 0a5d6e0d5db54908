// The gRPC load generator of the end-to-end scenario, in a process of its own so that it does not
// share a core's event loop with the logic service it measures. Started by end-to-end-scenario.ts.
import { credentials, Metadata } from '@grpc/grpc-js';
import { ConversationType } from '@switchboard/proto/client';
import { LogicServiceClient, type SendRequest, type SendResponse } from '@switchboard/proto/logic';
import { call, GRPC_CHANNEL_OPTIONS, internalClientOptions } from '@switchboard/rpc';
import { runClosedLoop } from './closed-loop.js';
import type { AckedSend, GrpcLoadMessage, GrpcLoadRequest } from './grpc-load-protocol.js';
import { Workload, type PlannedSend } from './workload.js';

// Far above any latency seen here: a send that takes this long counts as failed.
const DEADLINE_MS = 30_000;

function reply(message: GrpcLoadMessage): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!process.send) reject(new Error('grpc-load.ts must be started by the benchmark over IPC'));
    else process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

async function generate(req: GrpcLoadRequest): Promise<void> {
  const client = new LogicServiceClient(req.address, credentials.createInsecure(), {
    ...GRPC_CHANNEL_OPTIONS,
    ...internalClientOptions(req.internalSecret),
  });
  const workload = new Workload(req.users, req.runId);
  const sampled = new Set(req.sampleUserIds);
  const touchesSample = (s: PlannedSend) => sampled.has(s.senderUserId) || sampled.has(s.recipientUserId);
  const acked: AckedSend[] = [];
  const failed: PlannedSend[] = [];
  let cpuAtMeasure = process.cpuUsage();
  let measureAt = performance.now();
  const timer = setTimeout(() => {
    cpuAtMeasure = process.cpuUsage();
    measureAt = performance.now();
  }, req.phases.warmupMs);

  const load = await runClosedLoop({
    concurrency: req.concurrency,
    phases: req.phases,
    onProgress: (started, elapsedMs) => void reply({ kind: 'progress', started, elapsedMs }),
    sendOne: async (n) => {
      const send = workload.plan(n);
      const request: SendRequest = {
        session: {
          appId: req.appId,
          userId: send.senderUserId,
          deviceId: 'd1',
          gateId: 'bench-gate',
          connId: 1,
          epoch: 1,
        },
        request: {
          clientMsgId: send.clientMsgId,
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: send.recipientUserId },
          contentType: 'text',
          content: workload.content,
        },
      };
      try {
        const res = await call<SendRequest, SendResponse>(
          client,
          client.send,
          request,
          new Metadata(),
          DEADLINE_MS,
        );
        if (!res.response) throw new Error('send answered without a response');
        if (touchesSample(send))
          acked.push({ send, messageId: res.response.messageId, seq: res.response.seq });
      } catch (err) {
        if (touchesSample(send)) failed.push(send);
        throw err;
      }
    },
  });
  clearTimeout(timer);
  const used = process.cpuUsage(cpuAtMeasure);
  const seconds = (performance.now() - measureAt) / 1000;
  client.close();
  const { firstError, ...rest } = load;
  // Sent in full before the channel closes: a large report is still being written otherwise.
  await reply({
    kind: 'done',
    load: { ...rest, ...(firstError === undefined ? {} : { firstError: String(firstError) }) },
    cpu: (used.user + used.system) / 1e6 / seconds,
    acked,
    failed,
  });
}

process.once('message', (req: GrpcLoadRequest) => {
  generate(req).then(
    () => process.disconnect(),
    (err: unknown) => {
      process.exitCode = 1;
      throw err;
    },
  );
});
