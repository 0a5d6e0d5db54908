import { describe, expect, it } from 'vitest';
import { summariseAllocations, type HeapProfileNode } from './alloc-prof.js';

const node = (functionName: string, url: string, selfSize: number, children: HeapProfileNode[] = []) => ({
  callFrame: { functionName, url, lineNumber: 9 },
  selfSize,
  children,
});

describe('summariseAllocations', () => {
  it("charges a library's bytes to the nearest of our functions up the stack", () => {
    const root = node('(root)', '', 0, [
      node('send', 'file:///w/apps/logic/src/message-service.ts', 100, [
        node('encode', 'file:///w/node_modules/protobufjs/src/writer.js', 300, [
          node('alloc', 'node:buffer', 50),
        ]),
      ]),
      node('tick', 'node:internal/timers', 20),
    ]);
    const s = summariseAllocations(root);
    expect(s.total).toBe(470);
    expect(s.self.get('send apps/logic/src/message-service.ts:10')).toBe(100);
    expect(s.self.get('encode node_modules/protobufjs/src/writer.js:10')).toBe(300);
    expect(s.nearestOwn.get('send apps/logic/src/message-service.ts:10')).toBe(450);
    expect(s.nearestOwn.get('(no own frame)')).toBe(20);
    expect(s.areas.get('protobufjs')).toBe(300);
    expect(s.areas.get('switchboard apps/logic')).toBe(100);
  });
});
