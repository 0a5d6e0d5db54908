import type { Counters } from '@switchboard/metrics';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { AppendInput, AppendResult } from '@switchboard/storage';
import { checkContent } from './content-rules.js';
import { requireId } from './ids.js';
import type { LogicCounter } from './logic-metrics.js';
import type { PushBatcher } from './push-batcher.js';
import type { SendBatcher } from './send-batcher.js';

/** The bounds every stored send is checked against. */
export interface StoreLimits {
  maxContentBytes: number;
  /**
   * Push packets accepted and not yet delivered (see PushBatcher.backlog) past which new sends are
   * refused with RATE_LIMITED: storing faster than route delivers only makes every push later.
   * Default: no bound.
   */
  maxPushBacklog?: number;
  /**
   * Age in ms of the oldest undelivered push (see PushBatcher.oldestWaitMs) past which new sends are
   * refused with RATE_LIMITED: a bound on how late pushes get whatever rate route manages. Default:
   * no bound.
   */
  maxPushLagMs?: number;
}

/**
 * The one way a message gets stored, whatever its conversation: checks, admission control, the
 * group-commit batcher, the counters; and the bookkeeping of deliveries still running (so that a
 * shutdown waits for them). 1:1 and group messaging both append through it.
 */
export class MessageStore {
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly batcher: SendBatcher<AppendInput, AppendResult>,
    private readonly pushes: PushBatcher,
    private readonly limits: StoreLimits,
    private readonly counters: Counters<LogicCounter>,
  ) {}

  /**
   * Stores one message through group commit; `deadline` (Unix ms) is when the caller stops waiting.
   * A duplicate (same sender and client_msg_id) resolves with the first one's result. `fromServer`:
   * a message logic wrote itself (a group event), not held to the app's content limit.
   */
  async append(input: AppendInput, deadline = Infinity, fromServer = false): Promise<AppendResult> {
    requireId('clientMsgId', input.clientMsgId, 'client_msg_id');
    // The server's own messages (group events) are bounded where they are made, not by the app's limit.
    if (!fromServer) checkContent(input.contentType, input.content, this.limits.maxContentBytes);
    // Refuse while pushes fall behind because route (or the CPU it shares) is slow; not while route
    // is failing: then the pushes end in SYNC_HINTs, and a stored message is still worth keeping.
    if (
      !this.pushes.routeFailing &&
      (this.pushes.backlog >= (this.limits.maxPushBacklog ?? Infinity) ||
        (this.limits.maxPushLagMs !== undefined && this.pushes.oldestWaitMs() >= this.limits.maxPushLagMs))
    ) {
      this.counters.add('sends_refused_push_backlog');
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_RATE_LIMITED,
        'server busy delivering earlier messages; retry after a short back-off',
      );
    }
    // try/catch rather than .catch(): no closure per send.
    let result: AppendResult;
    try {
      result = await this.batcher.send(input, deadline);
    } catch (err) {
      if (SwitchboardError.is(err, ErrorCode.ERROR_CODE_RATE_LIMITED))
        this.counters.add('sends_refused_busy');
      else if (SwitchboardError.is(err, ErrorCode.ERROR_CODE_TIMEOUT)) this.counters.add('sends_expired');
      throw err;
    }
    this.counters.add(result.duplicate ? 'duplicate_sends' : 'sends');
    return result;
  }

  /** Keeps a delivery started after a commit until it settles (see {@link drain}). */
  track(p: Promise<void>): void {
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  /** Waits for deliveries already started (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }
}
