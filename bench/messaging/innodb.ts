// What the MySQL/MariaDB server's InnoDB did during a benchmark step, and how it is sized. A stock
// MariaDB (128 MiB buffer pool, 96 MiB redo log, io_capacity 200) takes a few thousand sends a second
// for about half a minute, then its redo log fills and it must write dirty pages out before it takes
// more: steps after that ran at the database's flushing speed, whatever the services did
// (docs/benchmarks.md, "Issue 9, eleventh session"). Each step therefore says how full the redo log
// got (checkpoint age against its maximum) and how many pages were flushed per acked send, and
// `--innodb-set` runs the benchmark with other sizes, putting the server's back afterwards.
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';

/** The server's settings that decide how long it absorbs sustained writes before it must flush. */
export const SIZING_VARIABLES = [
  'innodb_buffer_pool_size',
  'innodb_log_file_size',
  'innodb_io_capacity',
  'innodb_io_capacity_max',
  'innodb_flush_log_at_trx_commit',
] as const;

/** One reading of InnoDB's status counters (MariaDB's names; fields MySQL lacks stay undefined). */
export interface InnodbSample {
  /** Redo written since the last checkpoint, and the most it may reach before writes wait. */
  checkpointAge?: number;
  checkpointMaxAge?: number;
  pagesFlushed: number;
  pagesDirty: number;
  pagesTotal: number;
  /** Times a query waited for the page cleaner to free a page. */
  waitFree: number;
}

/** What InnoDB did between two readings, with the fullest redo log seen in between. */
export interface InnodbStep {
  /** Highest checkpoint age / its maximum seen (0–1); undefined where the server does not say. */
  peakCheckpointShare?: number;
  pagesFlushed: number;
  /** Dirty pages / buffer pool pages at the end. */
  dirtyShare: number;
  waitFree: number;
}

const STATUS: Record<string, keyof InnodbSample> = {
  INNODB_CHECKPOINT_AGE: 'checkpointAge',
  INNODB_CHECKPOINT_MAX_AGE: 'checkpointMaxAge',
  INNODB_BUFFER_POOL_PAGES_FLUSHED: 'pagesFlushed',
  INNODB_BUFFER_POOL_PAGES_DIRTY: 'pagesDirty',
  INNODB_BUFFER_POOL_PAGES_TOTAL: 'pagesTotal',
  INNODB_BUFFER_POOL_WAIT_FREE: 'waitFree',
};

/** A sample from `information_schema.global_status` rows (name, value), names in any case. */
export function parseInnodbStatus(rows: ReadonlyArray<{ name: string; value: string }>): InnodbSample {
  const sample: InnodbSample = { pagesFlushed: 0, pagesDirty: 0, pagesTotal: 0, waitFree: 0 };
  for (const { name, value } of rows) {
    const key = STATUS[name.toUpperCase()];
    const n = Number(value);
    if (key && Number.isFinite(n)) sample[key] = n;
  }
  return sample;
}

/** The step between `first` and `last`, `peak` the fullest share of the redo log sampled. */
export function innodbStep(first: InnodbSample, last: InnodbSample, peak: number | undefined): InnodbStep {
  return {
    ...(peak === undefined ? {} : { peakCheckpointShare: peak }),
    pagesFlushed: last.pagesFlushed - first.pagesFlushed,
    dirtyShare: last.pagesTotal > 0 ? last.pagesDirty / last.pagesTotal : 0,
    waitFree: last.waitFree - first.waitFree,
  };
}

/** The share of the redo log in use at `sample`, where the server reports it. */
export function checkpointShare(sample: InnodbSample): number | undefined {
  const { checkpointAge: age, checkpointMaxAge: max } = sample;
  return age !== undefined && max !== undefined && max > 0 ? age / max : undefined;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const perSend = (step: InnodbStep, sends: number) =>
  sends > 0 ? (step.pagesFlushed / sends).toFixed(2) : 'n/a';

/** A step's two figures for a table cell: the redo log's fullest share, pages flushed per send. */
export function innodbCell(step: InnodbStep | undefined, sends: number): string {
  if (!step) return 'n/a';
  const peak = step.peakCheckpointShare === undefined ? '?' : pct(step.peakCheckpointShare);
  return `${peak}, ${perSend(step, sends)}`;
}

/** One line for a step of `sends` acked sends or written messages (a group send counts once). */
export function describeInnodbStep(step: InnodbStep, sends: number): string {
  const parts = [
    ...(step.peakCheckpointShare === undefined
      ? []
      : [`redo log up to ${pct(step.peakCheckpointShare)} of its checkpoint age limit`]),
    `${perSend(step, sends)} pages flushed per send`,
    `dirty pages ${pct(step.dirtyShare)} of the buffer pool at the end`,
    ...(step.waitFree > 0 ? [`${step.waitFree} waits for a free page`] : []),
  ];
  return `InnoDB: ${parts.join(', ')}`;
}

const MIB = 1024 * 1024;

/** The sizing variables as read from the server, for the report's header. */
export function describeSizing(values: ReadonlyMap<string, string>): string {
  const bytes = (name: string) => {
    const v = values.get(name);
    return v === undefined ? '?' : `${Math.round(Number(v) / MIB).toLocaleString('en-US')} MiB`;
  };
  const plain = (name: string) => values.get(name) ?? '?';
  return (
    `InnoDB: buffer pool ${bytes('innodb_buffer_pool_size')}, redo log ${bytes('innodb_log_file_size')}, ` +
    `io_capacity ${plain('innodb_io_capacity')} (max ${plain('innodb_io_capacity_max')}), ` +
    `innodb_flush_log_at_trx_commit ${plain('innodb_flush_log_at_trx_commit')}`
  );
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: MIB, G: 1024 * MIB };

/**
 * `--innodb-set`'s `name=value,...`: InnoDB variables only (`innodb_` and lower-case letters), each
 * value a whole number with an optional K, M or G. The names and values are written into SET GLOBAL
 * statements, so nothing else passes.
 */
export function parseInnodbSettings(text: string): Map<string, number> {
  const settings = new Map<string, number>();
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const match = /^\s*(innodb_[a-z_]+)\s*=\s*(\d+)([KMG]?)\s*$/.exec(item);
    if (!match) throw new Error(`--innodb-set: "${item}" is not innodb_<name>=<number>[K|M|G]`);
    settings.set(match[1]!, Number(match[2]) * UNITS[match[3]!]!);
  }
  return settings;
}

/**
 * The server's global `status` counters or `variables` of those names, as it spells them. SHOW rather
 * than information_schema, whose status tables MySQL 8 no longer has.
 */
async function showGlobal(
  conn: Connection,
  what: 'status' | 'variables',
  names: readonly string[],
): Promise<Array<{ name: string; value: string }>> {
  const [rows] = await conn.query<RowDataPacket[]>(`show global ${what} where variable_name in (?)`, [names]);
  return rows.map((r) => ({ name: String(r['Variable_name']), value: String(r['Value']) }));
}

async function readVariables(conn: Connection, names: readonly string[]): Promise<Map<string, string>> {
  const rows = await showGlobal(conn, 'variables', names);
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.value]));
}

/** A connection of the benchmark's own that reads InnoDB's state while steps run. */
export class InnodbWatch {
  private timer: NodeJS.Timeout | undefined;
  private first: InnodbSample | undefined;
  private peak: number | undefined;
  private reading: Promise<void> = Promise.resolve();

  private constructor(private readonly conn: Connection) {}

  /** Opens a connection to `uri`'s server (any database). */
  static async open(uri: string): Promise<InnodbWatch> {
    return new InnodbWatch(await createConnection(uri));
  }

  sizing(): Promise<Map<string, string>> {
    return readVariables(this.conn, SIZING_VARIABLES);
  }

  /**
   * Sets `settings` with SET GLOBAL (buffer pool and redo log resizes run online on MariaDB 10.9 and
   * later). Resolves with the statements that set the previous values back, and a function running them.
   */
  async apply(
    settings: ReadonlyMap<string, number>,
  ): Promise<{ undo: string[]; restore: () => Promise<void> }> {
    const names = [...settings.keys()];
    const previous = await readVariables(this.conn, names);
    const undo: string[] = [];
    for (const name of names) {
      const value = previous.get(name);
      if (value === undefined) throw new Error(`--innodb-set: the server has no variable ${name}`);
      if (!/^\d+$/.test(value)) throw new Error(`--innodb-set: ${name} is ${value}, not a number`);
      undo.push(`set global ${name} = ${value}`);
    }
    for (const [name, value] of settings) await this.conn.query(`set global ${name} = ${value}`);
    return {
      undo,
      restore: async () => {
        for (const statement of undo) await this.conn.query(statement);
      },
    };
  }

  async sample(): Promise<InnodbSample> {
    return parseInnodbStatus(await showGlobal(this.conn, 'status', Object.keys(STATUS)));
  }

  /** Starts a step: reads now, then every second, keeping the fullest redo log seen. */
  async start(): Promise<void> {
    this.first = await this.sample();
    this.peak = checkpointShare(this.first);
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() =>
        this.sample().then(
          (s) => this.note(s),
          () => undefined,
        ),
      );
    }, 1000);
  }

  /** Ends the step started last. */
  async stop(): Promise<InnodbStep> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
    const last = await this.sample();
    this.note(last);
    return innodbStep(this.first ?? last, last, this.peak);
  }

  private note(sample: InnodbSample): void {
    const share = checkpointShare(sample);
    if (share !== undefined) this.peak = Math.max(this.peak ?? 0, share);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.conn.end().catch(() => undefined);
  }
}
