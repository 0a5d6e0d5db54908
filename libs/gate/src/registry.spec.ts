import { describe, expect, it } from 'vitest';
import { type Connection, TransportConnection } from './connection.js';
import { Registry } from './registry.js';
import { FakeTransport } from './test-fakes.js';

let nextId = 1;

/** A connection as the core leaves it just before indexing a sign-in. */
function signedIn(appId: string, userId: string, deviceId: string): Connection {
  const conn = new TransportConnection(nextId++, new FakeTransport(), 0);
  conn.appId = appId;
  conn.userId = userId;
  conn.deviceId = deviceId;
  return conn;
}

function index(registry: Registry, conn: Connection): Connection {
  registry.add(conn);
  registry.indexSignedIn(conn);
  return conn;
}

describe('Registry', () => {
  it('finds each device of a user, and only that device', () => {
    const r = new Registry();
    const phone = index(r, signedIn('app1', 'u1', 'phone'));
    const laptop = index(r, signedIn('app1', 'u1', 'laptop'));
    const tablet = index(r, signedIn('app1', 'u1', 'tablet'));
    const other = index(r, signedIn('app1', 'u2', 'phone'));
    expect(r.byDeviceOf('app1', 'u1', 'phone')).toBe(phone);
    expect(r.byDeviceOf('app1', 'u1', 'laptop')).toBe(laptop);
    expect(r.byDeviceOf('app1', 'u1', 'tablet')).toBe(tablet);
    expect(r.byDeviceOf('app1', 'u2', 'phone')).toBe(other);
    expect(r.byDeviceOf('app1', 'u1', 'watch')).toBeUndefined();
    expect(r.byDeviceOf('app2', 'u1', 'phone')).toBeUndefined();
    expect(r.signedInCount).toBe(4);
    expect([...r.appConnections('app1')]).toEqual([phone, laptop, tablet, other]);
    expect(r.appSize('app1')).toBe(4);
  });

  it('keeps the newest connection of a device; removing the older one leaves the newer', () => {
    const r = new Registry();
    const laptop = index(r, signedIn('app1', 'u1', 'laptop'));
    // u1 has another device here (a list in the index), u3 only this one.
    for (const first of [
      index(r, signedIn('app1', 'u1', 'phone')),
      index(r, signedIn('app1', 'u3', 'phone')),
    ]) {
      const second = index(r, signedIn('app1', first.userId, 'phone'));
      expect(r.byDeviceOf('app1', first.userId, 'phone')).toBe(second);
      r.remove(first);
      expect(r.byDeviceOf('app1', first.userId, 'phone')).toBe(second);
      r.remove(second);
      expect(r.byDeviceOf('app1', first.userId, 'phone')).toBeUndefined();
    }
    expect(r.byDeviceOf('app1', 'u1', 'laptop')).toBe(laptop);
    expect(r.signedInCount).toBe(1);
  });

  it('forgets a user device by device as they leave, then the app', () => {
    const r = new Registry();
    const a = index(r, signedIn('app1', 'u1', 'a'));
    const b = index(r, signedIn('app1', 'u1', 'b'));
    const c = index(r, signedIn('app1', 'u1', 'c'));
    r.remove(b);
    expect(r.byDeviceOf('app1', 'u1', 'b')).toBeUndefined();
    expect(r.byDeviceOf('app1', 'u1', 'a')).toBe(a);
    expect(r.byDeviceOf('app1', 'u1', 'c')).toBe(c);
    r.remove(a);
    expect(r.byDeviceOf('app1', 'u1', 'c')).toBe(c);
    r.remove(c);
    expect(r.byDeviceOf('app1', 'u1', 'c')).toBeUndefined();
    expect([...r.appConnections('app1')]).toEqual([]);
    expect(r.appSize('app1')).toBe(0);
    expect(r.signedInCount).toBe(0);
    expect(r.size).toBe(0);
  });

  it('walks every connection of an app once while the walk removes them', () => {
    const r = new Registry();
    const conns = [
      index(r, signedIn('app1', 'u1', 'a')),
      index(r, signedIn('app1', 'u1', 'b')),
      index(r, signedIn('app1', 'u1', 'c')),
      index(r, signedIn('app1', 'u2', 'a')),
      index(r, signedIn('app2', 'u1', 'a')),
    ];
    const seen: Connection[] = [];
    for (const conn of r.appConnections('app1')) {
      seen.push(conn);
      r.remove(conn); // what a fan-out does to a slow consumer
    }
    expect(seen).toEqual(conns.slice(0, 4));
    expect(r.appSize('app1')).toBe(0);
    expect([...r.appConnections('app2')]).toEqual([conns[4]]);
  });

  it('keeps a second connection of the same device, newest first, until it leaves', () => {
    const r = new Registry();
    const older = index(r, signedIn('app1', 'u1', 'd1'));
    const newer = index(r, signedIn('app1', 'u1', 'd1'));
    expect(r.byDeviceOf('app1', 'u1', 'd1')).toBe(newer);
    expect(r.appSize('app1')).toBe(2);
    r.remove(newer);
    expect(r.byDeviceOf('app1', 'u1', 'd1')).toBe(older);
    expect(r.signedInCount).toBe(1);
  });

  it('counts a connection indexed twice once', () => {
    const r = new Registry();
    const conn = index(r, signedIn('app1', 'u1', 'd1'));
    r.indexSignedIn(conn);
    expect(r.signedInCount).toBe(1);
    expect(r.byDeviceOf('app1', 'u1', 'd1')).toBe(conn);
    r.remove(conn);
    r.remove(conn);
    expect(r.signedInCount).toBe(0);
    expect(r.size).toBe(0);
  });
});
