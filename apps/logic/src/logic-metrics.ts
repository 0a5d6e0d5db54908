import { Counters } from '@switchboard/metrics';

export type LogicCounter =
  | 'sign_ins'
  | 'sign_in_failures'
  | 'sends'
  | 'duplicate_sends'
  | 'send_batches'
  | 'send_batch_messages'
  | 'syncs'
  | 'acks'
  | 'push_failures';

/** Logic's counters, exposed on its HTTP port as Prometheus text. */
export function logicCounters(): Counters<LogicCounter> {
  return new Counters<LogicCounter>('switchboard_logic', {
    sign_ins: 'Successful sign-ins.',
    sign_in_failures: 'Refused sign-ins (bad, expired or foreign tokens, unknown apps).',
    sends: 'Messages stored (first sends, not retries).',
    duplicate_sends: 'Retried sends answered with the first result (dedupe by client_msg_id).',
    send_batches: 'Group-commit transactions.',
    send_batch_messages:
      'Sends in group-commit transactions (divide by send_batches for the mean batch size).',
    syncs: 'Sync requests answered.',
    acks: 'Ack requests answered.',
    push_failures: 'Pushes route could not take; the receivers catch up by sync.',
  });
}
