/** The business API as the console calls it: same origin, `POST /v1/<rpc>` with the operator's key. */

export interface GateStatus {
  gateId: string;
  leaseRemainingMs: string;
  reachable: boolean;
  connections: number;
  signedIn: number;
  rooms: number;
  slowCloses: string;
  /** Unix ms the gate process started; "0" when it did not answer. */
  startedAt: string;
}

export interface ServerStats {
  serverTime: string;
  gates: GateStatus[];
  logic: {
    signIns: string;
    signInFailures: string;
    messagesStored: string;
    roomMessages: string;
    sendsRefused: string;
    pushFailures: string;
  };
  businessApiErrors: string;
}

export interface Traffic {
  kind: string;
  id: string;
  messages: string;
}

export interface TopConversations {
  groups: Traffic[];
  rooms: Traffic[];
  windowMs: string;
}

export interface Device {
  deviceId: string;
  platform: string;
  online: boolean;
  ackedSeq: string;
  lastSignInAt: string;
}

export interface OnlineCounts {
  onlineDevices: number;
  unreachableGates: number;
}

/** A refusal of the API: its catalog code (`ERROR_CODE_PERMISSION_DENIED`) and message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BusinessApi {
  constructor(private readonly key: string) {}

  private async call<T>(rpc: string, body: object = {}): Promise<T> {
    const res = await fetch(`/v1/${rpc}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw new ApiError(json.code ?? `HTTP ${res.status}`, json.message ?? res.statusText);
    return json;
  }

  serverStats(): Promise<ServerStats> {
    return this.call('get_server_stats');
  }

  topConversations(limit: number): Promise<TopConversations> {
    return this.call('get_top_conversations', { limit });
  }

  onlineCounts(): Promise<OnlineCounts> {
    return this.call('get_online_counts');
  }

  async devices(userId: string): Promise<Device[]> {
    return (await this.call<{ devices: Device[] }>('list_devices', { userId })).devices;
  }

  async kick(userId: string, deviceId: string): Promise<boolean> {
    const res = await this.call<{ kicked: boolean }>('kick_device', {
      userId,
      deviceId,
      reason: 'kicked from the admin console',
    });
    return res.kicked;
  }
}
