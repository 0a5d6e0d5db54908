import type { ChannelCredentials } from '@grpc/grpc-js';
import { GateServiceClient, GateServiceService, type GateServiceServer } from '@switchboard/proto/conn';
import {
  GRPC_CHANNEL_OPTIONS,
  InProcessServices,
  internalClient,
  internalChannel,
  internalClientOptions,
  type InternalStreamsConfig,
  type InternalTls,
} from '@switchboard/rpc';
import type { GateLease } from '@switchboard/route-store';

/** The subset of the route store the pool needs to find gate addresses. */
export interface GateDirectory {
  liveGates(): Promise<GateLease[]>;
}

/**
 * One gRPC client per live gate, keyed by gate id. The address list is read
 * from the store at most once per `refreshMs` (and again on a miss), so a
 * delivery costs no store round-trip for gate addresses.
 */
export class GatePool {
  private readonly clients = new Map<string, { address: string; client: GateServiceClient }>();
  private live: GateLease[] = [];
  private refreshedAt = 0;
  private refreshing: Promise<void> | undefined;

  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly inProcess: InProcessServices | undefined;
  private readonly credentials: ChannelCredentials;
  private readonly options: ReturnType<typeof internalClientOptions> & typeof GRPC_CHANNEL_OPTIONS;
  private readonly streams: InternalStreamsConfig | undefined;

  /**
   * @param auth `internal.secret`, carried by every call to a gate, mutual TLS if on, and
   *   `internal.streams` (calls as frames on `perBackend` long-lived streams per gate) if on.
   * @param options.inProcess Where gates of this process serve GateService (the embedded suite): a
   *   lease with an `in-process:` address is called there, without gRPC.
   */
  constructor(
    private readonly directory: GateDirectory,
    auth: { secret: string; tls?: InternalTls | undefined; streams?: InternalStreamsConfig | undefined },
    options: { refreshMs?: number; now?: () => number; inProcess?: InProcessServices | undefined } = {},
  ) {
    this.refreshMs = options.refreshMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.inProcess = options.inProcess;
    const channel = internalChannel(auth.tls);
    this.credentials = channel.credentials;
    this.options = { ...GRPC_CHANNEL_OPTIONS, ...channel.options, ...internalClientOptions(auth.secret) };
    this.streams = auth.streams;
  }

  /** The client of a live gate, or undefined when the gate is not live. */
  async get(gateId: string): Promise<GateServiceClient | undefined> {
    let entry = this.clientOf(gateId);
    if (!entry || this.now() - this.refreshedAt > this.refreshMs) {
      await this.refresh();
      entry = this.clientOf(gateId);
    }
    return entry;
  }

  /** Clients of every live gate. */
  async all(): Promise<Array<{ gateId: string; client: GateServiceClient }>> {
    if (this.now() - this.refreshedAt > this.refreshMs) await this.refresh();
    const out: Array<{ gateId: string; client: GateServiceClient }> = [];
    for (const lease of this.live) {
      const client = this.clientOf(lease.gateId);
      if (client) out.push({ gateId: lease.gateId, client });
    }
    return out;
  }

  /** Forgets the cached address list, e.g. after a gate was removed. */
  invalidate(): void {
    this.refreshedAt = 0;
  }

  close(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }

  private clientOf(gateId: string): GateServiceClient | undefined {
    return this.clients.get(gateId)?.client;
  }

  private connect(address: string): GateServiceClient {
    if (this.inProcess && InProcessServices.isAddress(address)) {
      return this.inProcess.channel<GateServiceServer>(address).client(GateServiceService);
    }
    // Deliver and the other pushes are not retried (a repeat reaches clients twice), as before.
    return internalClient(
      GateServiceService,
      new GateServiceClient(address, this.credentials, this.options),
      { streams: this.streams, backends: 1, minStreams: 1 },
    );
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.directory
      .liveGates()
      .then((live) => {
        this.live = live;
        this.refreshedAt = this.now();
        const seen = new Set<string>();
        for (const lease of live) {
          seen.add(lease.gateId);
          const existing = this.clients.get(lease.gateId);
          if (existing && existing.address === lease.grpcAddress) continue;
          existing?.client.close();
          this.clients.set(lease.gateId, {
            address: lease.grpcAddress,
            client: this.connect(lease.grpcAddress),
          });
        }
        for (const [gateId, { client }] of this.clients) {
          if (!seen.has(gateId)) {
            client.close();
            this.clients.delete(gateId);
          }
        }
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
