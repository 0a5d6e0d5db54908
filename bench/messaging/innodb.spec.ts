import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointShare,
  describeInnodbStep,
  describeSizing,
  innodbCell,
  innodbStep,
  InnodbWatch,
  parseInnodbSettings,
  parseInnodbStatus,
  type InnodbSample,
} from './innodb.js';

const sample = (over: Partial<InnodbSample> = {}): InnodbSample => ({
  checkpointAge: 8_000_000,
  checkpointMaxAge: 80_000_000,
  pagesFlushed: 1_000,
  pagesDirty: 100,
  pagesTotal: 8_000,
  waitFree: 0,
  ...over,
});

describe('InnoDB figures of a benchmark step', () => {
  it('reads the status rows by name, in either case, and leaves what the server lacks undefined', () => {
    const s = parseInnodbStatus([
      { name: 'INNODB_CHECKPOINT_AGE', value: '65231157' },
      { name: 'Innodb_checkpoint_max_age', value: '80819529' },
      { name: 'INNODB_BUFFER_POOL_PAGES_FLUSHED', value: '500991' },
      { name: 'INNODB_BUFFER_POOL_PAGES_DIRTY', value: '6643' },
      { name: 'INNODB_BUFFER_POOL_PAGES_TOTAL', value: '8112' },
      { name: 'INNODB_BUFFER_POOL_WAIT_FREE', value: '0' },
      { name: 'INNODB_SOMETHING_ELSE', value: '7' },
    ]);
    expect(s).toEqual({
      checkpointAge: 65231157,
      checkpointMaxAge: 80819529,
      pagesFlushed: 500991,
      pagesDirty: 6643,
      pagesTotal: 8112,
      waitFree: 0,
    });
    // MySQL has no checkpoint age in its status: no share, rather than a made-up one.
    const mysql = parseInnodbStatus([{ name: 'INNODB_BUFFER_POOL_PAGES_TOTAL', value: '8192' }]);
    expect(mysql.checkpointAge).toBeUndefined();
    expect(checkpointShare(mysql)).toBeUndefined();
  });

  it('takes flushed pages and free-page waits as differences, dirty pages at the end', () => {
    const step = innodbStep(
      sample(),
      sample({ pagesFlushed: 171_000, pagesDirty: 7_000, waitFree: 3 }),
      0.81,
    );
    expect(step).toEqual({
      peakCheckpointShare: 0.81,
      pagesFlushed: 170_000,
      dirtyShare: 0.875,
      waitFree: 3,
    });
    expect(describeInnodbStep(step, 100_000)).toBe(
      'InnoDB: redo log up to 81% of its checkpoint age limit, 1.70 pages flushed per send, ' +
        'dirty pages 88% of the buffer pool at the end, 3 waits for a free page',
    );
    expect(describeInnodbStep(innodbStep(sample(), sample(), undefined), 0)).toBe(
      'InnoDB: n/a pages flushed per send, dirty pages 1% of the buffer pool at the end',
    );
    expect(innodbCell(step, 100_000)).toBe('81%, 1.70');
    expect(innodbCell(innodbStep(sample(), sample(), undefined), 0)).toBe('?, n/a');
    expect(innodbCell(undefined, 10)).toBe('n/a');
  });

  it('states the sizing as the server reports it', () => {
    const line = describeSizing(
      new Map([
        ['innodb_buffer_pool_size', '134217728'],
        ['innodb_log_file_size', '100663296'],
        ['innodb_io_capacity', '200'],
        ['innodb_io_capacity_max', '2000'],
      ]),
    );
    expect(line).toBe(
      'InnoDB: buffer pool 128 MiB, redo log 96 MiB, io_capacity 200 (max 2000), ' +
        'innodb_flush_log_at_trx_commit ?',
    );
  });

  it('takes innodb_ variables with whole values and K/M/G only, since they are written into SET GLOBAL', () => {
    expect(parseInnodbSettings('')).toEqual(new Map());
    expect(
      parseInnodbSettings('innodb_buffer_pool_size=2G, innodb_log_file_size=512M,innodb_io_capacity=2000'),
    ).toEqual(
      new Map([
        ['innodb_buffer_pool_size', 2 * 1024 ** 3],
        ['innodb_log_file_size', 512 * 1024 ** 2],
        ['innodb_io_capacity', 2000],
      ]),
    );
    for (const bad of [
      'max_connections=10',
      'innodb_io_capacity=2000; drop database x',
      'innodb_io_capacity=-1',
      'innodb_io_capacity=1.5G',
      'innodb_io_capacity=2T',
      'INNODB_IO_CAPACITY=200',
      'innodb_io_capacity',
    ]) {
      expect(() => parseInnodbSettings(bad), bad).toThrow(/--innodb-set/);
    }
  });
});

describe('InnoDB watch against the local MariaDB', () => {
  let watch: InnodbWatch;
  beforeAll(async () => {
    watch = await InnodbWatch.open(DEFAULT_MYSQL_SERVER_URI);
  });
  afterAll(async () => {
    await watch.close();
  });

  it('reads the sizing and a step of the real server', async () => {
    const sizing = await watch.sizing();
    expect(Number(sizing.get('innodb_buffer_pool_size'))).toBeGreaterThan(0);
    expect(Number(sizing.get('innodb_log_file_size'))).toBeGreaterThan(0);
    expect(describeSizing(sizing)).not.toContain('?');
    await watch.start();
    const step = await watch.stop();
    expect(step.pagesFlushed).toBeGreaterThanOrEqual(0);
    expect(step.dirtyShare).toBeGreaterThanOrEqual(0);
    expect(step.dirtyShare).toBeLessThanOrEqual(1);
    // MariaDB reports its checkpoint age; the share is of a redo log in use, so within 0..1.
    expect(step.peakCheckpointShare).toBeGreaterThanOrEqual(0);
    expect(step.peakCheckpointShare).toBeLessThanOrEqual(1);
  });

  it('sets a variable for the run and puts the value it found back', async () => {
    const conn = await createConnection(DEFAULT_MYSQL_SERVER_URI);
    const read = async () => {
      const [[row]] = await conn.query<RowDataPacket[]>('select @@innodb_io_capacity_max as v');
      return Number(row!['v']);
    };
    try {
      const before = await read();
      const { undo, restore } = await watch.apply(new Map([['innodb_io_capacity_max', before + 1]]));
      expect(undo).toEqual([`set global innodb_io_capacity_max = ${before}`]);
      expect(await read()).toBe(before + 1);
      await restore();
      expect(await read()).toBe(before);
    } finally {
      await conn.end();
    }
  });

  it('refuses a variable the server does not have, before setting anything', async () => {
    await expect(watch.apply(new Map([['innodb_no_such_thing', 1]]))).rejects.toThrow(
      /no variable innodb_no_such_thing/,
    );
  });
});
