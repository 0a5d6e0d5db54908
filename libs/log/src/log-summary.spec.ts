import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';
import { LogSummary } from './log-summary.js';
import { memoryDestination } from './memory-destination.js';

describe('LogSummary', () => {
  it('logs the first occurrence at once, then one counted line per interval', () => {
    const logs = memoryDestination();
    const log = createLogger({ level: 'info', service: 'test', destination: logs });
    let now = 1_000;
    const summary = new LogSummary(log, 'push failed', { everyMs: 10_000, now: () => now });
    summary.add({ app: 'a' });
    for (let i = 0; i < 500; i++) summary.add({ app: 'b' });
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ msg: 'push failed', count: 1, app: 'a' });
    now += 10_000;
    summary.add({ app: 'c' });
    expect(logs.lines).toHaveLength(2);
    expect(logs.lines[1]).toMatchObject({ msg: 'push failed', count: 501, app: 'c' });
    summary.flush();
    expect(logs.lines).toHaveLength(2);
  });

  it('reports what was counted when flushed before the interval is over', () => {
    const logs = memoryDestination();
    const log = createLogger({ level: 'info', service: 'test', destination: logs });
    const summary = new LogSummary(log, 'down', { everyMs: 60_000, level: 'error' });
    summary.add();
    summary.add({}, 4);
    summary.flush();
    expect(logs.lines.map((l) => [l['level'], l['count']])).toEqual([
      [50, 1],
      [50, 4],
    ]);
  });
});
