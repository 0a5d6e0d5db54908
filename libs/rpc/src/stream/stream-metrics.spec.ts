import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerStreamMetrics } from './stream-metrics.js';
import { StreamStats } from './stream-stats.js';

describe('switchboard_rpc_stream_* metrics', () => {
  it('read the stream counts when scraped', async () => {
    const stats = new StreamStats();
    const registry = new Registry();
    registerStreamMetrics(registry, stats);
    stats.clientStreams = 2;
    stats.framesSent = 7;
    stats.answered.deadline = 1;
    stats.unary.large = 3;
    stats.clientStreamsFailed = 4;
    stats.framesHeld = 5;
    const text = await registry.metrics();
    expect(text).toContain('switchboard_rpc_stream_open{side="client"} 2');
    expect(text).toContain('switchboard_rpc_stream_frames_sent_total 7');
    expect(text).toContain('switchboard_rpc_stream_frames_answered_total{outcome="deadline"} 1');
    expect(text).toContain('switchboard_rpc_stream_unary_fallbacks_total{reason="large"} 3');
    expect(text).toContain('switchboard_rpc_stream_failed_total 4');
    expect(text).toContain('switchboard_rpc_stream_frames_held_total 5');
    stats.framesSent = 9;
    expect(await registry.metrics()).toContain('switchboard_rpc_stream_frames_sent_total 9');
  });
});
