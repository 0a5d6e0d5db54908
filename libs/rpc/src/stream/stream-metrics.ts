import { Counter, Gauge, type Registry } from 'prom-client';
import { streamStats, type StreamStats } from './stream-stats.js';

/**
 * Registers `switchboard_rpc_stream_*` on a service's registry: the process's internal streams
 * (open streams, frames sent and answered by outcome, resends, calls that went unary), read from
 * {@link streamStats} when scraped.
 */
export function registerStreamMetrics(registry: Registry, stats: StreamStats = streamStats): void {
  new Gauge({
    name: 'switchboard_rpc_stream_open',
    help: 'Internal streams open, as the client (calls out) and as the server (calls in).',
    labelNames: ['side'],
    registers: [registry],
    collect() {
      this.set({ side: 'client' }, stats.clientStreams);
      this.set({ side: 'server' }, stats.serverStreams);
    },
  });
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    read: () => Array<[Record<string, string>, number]>,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  // Counters without labels: name, help, the count.
  const totals: Array<[string, string, () => number]> = [
    [
      'switchboard_rpc_stream_frames_sent_total',
      'Request frames written on internal streams (resends included).',
      () => stats.framesSent,
    ],
    [
      'switchboard_rpc_stream_opened_total',
      'Internal streams opened as the client (a drain at max age or a server stopping opens new ones).',
      () => stats.clientStreamsOpened,
    ],
    [
      'switchboard_rpc_stream_frames_resent_total',
      'Request frames sent again after their stream ended without answering them.',
      () => stats.framesResent,
    ],
    [
      'switchboard_rpc_stream_failed_total',
      'Internal streams that ended without answering any frame (refused, reset or backend unreachable); each one doubles the wait before the next stream opens, up to 1 s.',
      () => stats.clientStreamsFailed,
    ],
    [
      'switchboard_rpc_stream_frames_held_total',
      'Request frames held back before being sent: a resend waiting out its back-off, or a call made while no stream may be opened.',
      () => stats.framesHeld,
    ],
  ];
  for (const [name, help, read] of totals) counter(name, help, [], () => [[{}, read()]]);
  counter(
    'switchboard_rpc_stream_frames_answered_total',
    'Calls carried on internal streams, by outcome: ok, error (the server answered an error), deadline, failed (the stream ended).',
    ['outcome'],
    () => Object.entries(stats.answered).map(([outcome, n]) => [{ outcome }, n]),
  );
  counter(
    'switchboard_rpc_stream_unary_fallbacks_total',
    'Calls sent as unary calls by a streaming client: unimplemented (the server has no stream service), large (request over 1 MiB), metadata (the call carries metadata, which frames do not).',
    ['reason'],
    () => Object.entries(stats.unary).map(([reason, n]) => [{ reason }, n]),
  );
  counter(
    'switchboard_rpc_stream_frames_served_total',
    'Request frames this process answered as a server, by outcome (ok, error).',
    ['outcome'],
    () => [
      [{ outcome: 'ok' }, stats.servedOk],
      [{ outcome: 'error' }, stats.servedError],
    ],
  );
}
