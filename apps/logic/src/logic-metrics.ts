import { Counters, Histogram, type Registry } from '@switchboard/metrics';

export type LogicCounter =
  | 'sign_ins'
  | 'sign_in_failures'
  | 'sends'
  | 'duplicate_sends'
  | 'sends_refused_busy'
  | 'sends_refused_push_backlog'
  | 'sends_expired'
  | 'send_batches'
  | 'send_batch_messages'
  | 'send_rpc_batches'
  | 'send_rpc_batch_sends'
  | 'sign_in_rpc_batches'
  | 'sign_in_rpc_batch_sign_ins'
  | 'syncs'
  | 'acks'
  | 'push_failures'
  | 'push_retries'
  | 'push_overflow'
  | 'push_unreached_users'
  | 'sync_nudges'
  | 'sync_nudges_expired'
  | 'sync_nudges_dropped'
  | 'group_sends_small'
  | 'group_sends_large'
  | 'group_syncs'
  | 'group_switches'
  | 'group_room_push_failures'
  | 'group_room_change_failures'
  | 'group_limit_refusals'
  | 'device_cap_refusals'
  | 'device_cap_evictions'
  | 'room_sends'
  | 'read_receipts';

/** Logic's counters, exposed on its HTTP port as Prometheus text (registered in `registry` when given). */
export function logicCounters(registry?: Registry): Counters<LogicCounter> {
  return new Counters<LogicCounter>(
    'switchboard_logic',
    {
      sign_ins: 'Successful sign-ins.',
      sign_in_failures: 'Refused sign-ins (bad, expired or foreign tokens, unknown apps).',
      sends: 'Messages stored (first sends, not retries).',
      duplicate_sends: 'Retried sends answered with the first result (dedupe by client_msg_id).',
      sends_refused_busy:
        'Sends answered RATE_LIMITED because logic.maxQueuedSends were waiting, or the oldest for logic.maxSendQueueWaitMs.',
      sends_refused_push_backlog:
        'Sends answered RATE_LIMITED because logic.maxPushBacklog pushes were undelivered, or the oldest for logic.maxPushLagMs.',
      sends_expired: 'Sends dropped unwritten because their caller’s deadline passed while they queued.',
      send_batches: 'Group-commit transactions.',
      send_batch_messages:
        'Sends in group-commit transactions (divide by send_batches for the mean batch size).',
      send_rpc_batches: 'SendBatch calls from gates (the sends a gate gathered in one tick).',
      send_rpc_batch_sends: 'Sends in SendBatch calls (divide by send_rpc_batches for the mean per call).',
      sign_in_rpc_batches: 'SignInBatch calls from gates (the sign-ins a gate gathered in one tick).',
      sign_in_rpc_batch_sign_ins:
        'Sign-ins in SignInBatch calls (divide by sign_in_rpc_batches for the mean per call).',
      syncs: 'Sync requests answered.',
      acks: 'Ack requests answered.',
      push_failures: 'Packets whose push was given up after retries; their receivers are told to sync.',
      push_retries: 'DeliverToUsers calls retried after route failed.',
      push_overflow: 'Packets not queued for push because too many waited; their receivers are told to sync.',
      push_unreached_users: 'Users with a device on a gate route could not reach; they are told to sync.',
      sync_nudges: 'SYNC_HINT pushes handed to route for users whose pushes were lost.',
      sync_nudges_expired: 'Users given up on after nudging them for the maximum age.',
      sync_nudges_dropped: 'Users not queued for a nudge because the queue was full.',
      group_sends_small: 'Messages stored in small groups (write fan-out: one inbox entry per member).',
      group_sends_large: 'Messages stored in large groups (read fan-out: pushed through the group room).',
      group_syncs: 'SYNC_GROUP requests answered.',
      group_switches: 'Groups switched from write fan-out to read fan-out.',
      group_room_push_failures:
        'Large-group messages route could not push to the group room (members repair by SYNC_GROUP).',
      group_room_change_failures: 'Calls that put members into (or out of) a group room and failed at route.',
      group_limit_refusals: 'Group changes refused with LIMIT_EXCEEDED (logic.maxGroupMembers).',
      device_cap_refusals: 'New devices refused with LIMIT_EXCEEDED at sign-in (logic.devices.maxPerUser).',
      device_cap_evictions:
        'Devices forgotten at sign-in to make room for a new one (logic.devices.policy drop_oldest).',
      room_sends: 'Client SENDs to rooms pushed (live, not stored).',
      read_receipts: 'READs that moved a read cursor (and pushed a READ_RECEIPT).',
    },
    {},
    registry,
  );
}

/** Binds per BindMany call to route (the binds of one tick's sign-ins), as an observer of each call. */
export function bindManySizes(registry: Registry): (binds: number) => void {
  const histogram = new Histogram({
    name: 'switchboard_logic_bind_many_binds',
    help: 'Binds per BindMany call to route (the binds of the sign-ins logic gathered in one tick).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [registry],
  });
  return (binds) => histogram.observe(binds);
}
