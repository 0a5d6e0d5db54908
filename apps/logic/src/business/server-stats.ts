import type { Counters } from '@switchboard/metrics';
import type { GetServerStatsResponse, GetTopConversationsResponse } from '@switchboard/proto/business';
import { ErrorCode, SwitchboardError } from '@switchboard/protocol';
import type { ConversationTraffic } from '../conversation-traffic.js';
import type { LogicCounter } from '../logic-metrics.js';
import type { LogicRoutePort } from '../route-port.js';
import { invalid } from './business-errors.js';

/** Most conversations of each kind one GetTopConversations returns. */
export const TOP_CONVERSATIONS_MAX = 50;

export interface ServerStatsOptions {
  /** `logic.api.operatorApps`: the apps whose keys may read server-wide numbers. */
  operatorApps: readonly string[];
  /** Business API calls answered with an error since start. */
  apiErrors: () => number;
}

/**
 * What the admin console reads through the business API. GetTopConversations is per app (a key
 * sees its own app's groups and rooms only); GetServerStats covers every app on the server (gates
 * hold everyone's connections, the counters count everyone's messages), so it answers only keys of
 * an operator app and PERMISSION_DENIED to the others.
 */
export class ServerStats {
  private readonly operators: ReadonlySet<string>;

  constructor(
    private readonly route: LogicRoutePort,
    private readonly counters: Counters<LogicCounter>,
    private readonly traffic: ConversationTraffic,
    private readonly options: ServerStatsOptions,
  ) {
    this.operators = new Set(options.operatorApps);
  }

  topConversations(appId: string, limit: number): GetTopConversationsResponse {
    if (limit > TOP_CONVERSATIONS_MAX) {
      throw invalid('limit', `limit must be at most ${TOP_CONVERSATIONS_MAX}`);
    }
    const top = this.traffic.top(appId, limit === 0 ? 10 : limit);
    const entries = (kind: 'group' | 'room', list: typeof top.groups) =>
      list.map((e) => ({ kind, id: e.id, messages: e.messages }));
    return {
      groups: entries('group', top.groups),
      rooms: entries('room', top.rooms),
      windowMs: top.windowMs,
    };
  }

  async server(appId: string): Promise<GetServerStatsResponse> {
    if (!this.operators.has(appId)) {
      throw new SwitchboardError(
        ErrorCode.ERROR_CODE_PERMISSION_DENIED,
        'server-wide stats are only for keys of the apps in logic.api.operatorApps',
      );
    }
    const { gates, now } = await this.route.listGates();
    const c = (name: LogicCounter) => this.counters.get(name);
    return {
      serverTime: Date.now(),
      gates: gates.map((g) => ({
        gateId: g.gateId,
        leaseExpiresAt: g.leaseExpiresAt,
        leaseRemainingMs: g.leaseExpiresAt - now,
        reachable: g.reachable,
        connections: g.connections,
        signedIn: g.signedIn,
        rooms: g.rooms,
        slowCloses: g.slowCloses,
        packetsIn: g.packetsIn,
        packetsOut: g.packetsOut,
        startedAt: g.startedAt,
      })),
      logic: {
        signIns: c('sign_ins'),
        signInFailures: c('sign_in_failures'),
        messagesStored: c('sends'),
        roomMessages: c('room_sends'),
        sendsRefused: c('sends_refused_busy') + c('sends_refused_push_backlog'),
        pushFailures: c('push_failures') + c('push_overflow'),
      },
      businessApiErrors: this.options.apiErrors(),
    };
  }
}
