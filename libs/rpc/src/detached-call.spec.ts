import { describe, expect, it } from 'vitest';
import { DetachedCall } from './detached-call.js';

describe('DetachedCall', () => {
  it("is cancelled once, telling its 'cancelled' listeners as a grpc-js call does", () => {
    const call = new DetachedCall({}, Infinity, 'peer');
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    call.on('cancelled', (reason) => heard.push(`on:${reason}`));
    call.once('cancelled', () => heard.push('once'));
    call.on('cancelled', removed);
    call.off('cancelled', removed);
    call.on('end', () => heard.push('end'));
    expect(call.cancelled).toBe(false);
    call.notifyCancelled();
    call.notifyCancelled();
    expect(call.cancelled).toBe(true);
    expect(heard).toEqual(['on:cancelled', 'once']);
  });
});
