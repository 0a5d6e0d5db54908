import type { DirectSendInput, DirectSendResult } from '@switchboard/storage';
// Benchmarks may reach into an app: this is the exact policy the logic service runs.
import { SendBatcher } from '../../apps/logic/src/send-batcher.js';
import { BatchCounter } from './batch-counter.js';
import { openBenchDatabase } from './bench-database.js';
import { InboxLedger } from './inbox-check.js';
import { measureLoop, toResult, type ScenarioContext, type ScenarioResult } from './scenario.js';
import { Workload } from './workload.js';

/** The logic service's defaults (config/default.yaml), which DESIGN.md section 7 motivates. */
export const GROUP_COMMIT_MAX_DELAY_MS = 1;
export const GROUP_COMMIT_MAX_SIZE = 256;

type SendDirect = (batch: readonly DirectSendInput[]) => Promise<DirectSendResult[]>;

/**
 * Storage-level sends with `concurrency` senders, either one transaction per message
 * (`sendDirect([one])`, the baseline) or through `SendBatcher` (group commit).
 */
export async function runStorageScenario(
  ctx: ScenarioContext,
  mode: 'baseline' | 'group commit',
  concurrency: number,
): Promise<ScenarioResult> {
  const label = `${mode}, C=${concurrency}`;
  const workload = new Workload(ctx.users, `${mode === 'baseline' ? 'base' : 'gc'}-${concurrency}`);
  const db = await openBenchDatabase(ctx.serverUri, ctx.poolSize, workload, ctx.live);
  try {
    const batches = new BatchCounter();
    const sendDirect = batches.wrap((batch) => db.storage.messages.sendDirect(batch));
    const sendOneInput =
      mode === 'baseline'
        ? async (input: DirectSendInput) => (await sendDirect([input]))[0]!
        : sendThroughBatcher(sendDirect);
    const ledger = new InboxLedger(ctx.sampleUserIds);
    ctx.progress(`${label}: database ${db.name} ready, running`);
    const { load, cpu } = await measureLoop(ctx, label, concurrency, async (n) => {
      const send = workload.plan(n);
      try {
        const r = await sendOneInput(workload.toInput(send));
        ledger.acknowledged(send, r.messageId, r.senderSeq, r.recipientSeq);
      } catch (err) {
        ledger.failed(send);
        throw err;
      }
    });
    ctx.progress(`${label}: ${load.completed} measured sends; checking ${ctx.sampleUserIds.length} inboxes`);
    const inbox = await ledger.verify(db.storage);
    return toResult(mode, load, cpu, inbox, { meanBatch: batches.meanBatch });
  } finally {
    await db.dispose();
  }
}

function sendThroughBatcher(sendDirect: SendDirect): (input: DirectSendInput) => Promise<DirectSendResult> {
  const batcher = new SendBatcher(sendDirect, GROUP_COMMIT_MAX_DELAY_MS, GROUP_COMMIT_MAX_SIZE);
  return (input) => batcher.send(input);
}
