import { clusterApps } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';
import { clusterOptions } from './cluster-command.js';

describe('switchboard cluster flags', () => {
  it('defaults to the launcher defaults, detached, with a demo app', () => {
    const o = clusterOptions({});
    expect(o.mysqlUri).toBe('mysql://root@127.0.0.1:3306/switchboard_cluster');
    expect([o.ws, o.tcp, o.logic, o.route, o.detached, o.app]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      true,
      { id: 'demo' },
    ]);
  });

  it('takes counts, a server URI with --database, Redis and a prefix', () => {
    const o = clusterOptions({
      ws: '3',
      tcp: '0',
      logic: '1',
      route: '1',
      'mysql-uri': 'mysql://u:p@db:3307',
      database: 'sb_x',
      'redis-url': 'redis://r:6380',
      prefix: 'p1',
    });
    expect(o).toMatchObject({
      ws: 3,
      tcp: 0,
      logic: 1,
      route: 1,
      mysqlUri: 'mysql://u:p@db:3307/sb_x',
      redisUrl: 'redis://r:6380',
      prefix: 'p1',
    });
    expect(clusterOptions({ 'mysql-uri': 'mysql://root@h:3306/mine' }).mysqlUri).toBe(
      'mysql://root@h:3306/mine',
    );
  });

  it('runs the services from their bundles with --compiled, from source without', () => {
    expect(clusterOptions({ compiled: true }).compiled).toBe(true);
    expect(clusterOptions({}).compiled).toBeUndefined();
    // What --compiled builds: the launcher's default counts where no flag gave one.
    expect(clusterApps(clusterOptions({}))).toEqual(['route', 'logic', 'ws-conn', 'tcp-conn']);
    expect(clusterApps(clusterOptions({ tcp: '0' }))).toEqual(['route', 'logic', 'ws-conn']);
  });

  it('refuses a count that is not a small number, and an unknown wiring', () => {
    expect(() => clusterOptions({ ws: 'two' })).toThrow('--ws: expected a number from 0 to 32, got "two"');
    expect(clusterOptions({ wiring: 'crosswise' }).wiring).toBe('crosswise');
    expect(() => clusterOptions({ wiring: 'mesh' })).toThrow('--wiring: expected all or crosswise');
  });
});
