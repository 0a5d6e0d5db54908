import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** How often the checkpointer copies the write-ahead log into the database file. */
export const CHECKPOINT_EVERY_MS = 250;

/**
 * WAL pages (4 KiB each) past which the writing connection checkpoints by itself after all: only
 * if the checkpointer cannot keep up or has died, so that the log cannot grow without bound.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

// A second connection in a worker thread: `wal_checkpoint(PASSIVE)` copies what it can without
// waiting for (or blocking) the writer or readers; one that fails is tried again at the next tick,
// and the writer's fallback threshold bounds the log meanwhile. CommonJS source, evaluated
// (`eval: true`), so that it runs the same from source, from the bundle and in the Docker image:
// the driver is resolved by the main thread and handed over as a path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A reader holding the log, a full disk: tried again at the next tick.
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves SQLite's checkpoints off the event loop. In WAL mode the connection that commits runs
 * a checkpoint whenever the log passes `wal_autocheckpoint` pages (1,000 by default): it copies
 * the log into the database file and syncs it inside that commit, and better-sqlite3 being
 * synchronous, the embedded suite stood still meanwhile (event-loop stalls up to 470 ms under a
 * 3,000 sends/s benchmark, docs/benchmarks.md). Here a worker thread checkpoints every
 * {@link CHECKPOINT_EVERY_MS} on a connection of its own, and the writing connection's own
 * threshold is raised to {@link FALLBACK_AUTOCHECKPOINT_PAGES}, where it takes over if the worker
 * falls behind or is gone. Returns the function that stops the worker (before the database closes);
 * its promise resolves once the worker has exited, its connection closed: a worker stopped before it
 * had started would otherwise open the file (creating -wal and -shm) after the storage was closed.
 */
export function startCheckpointer(database: BetterSqlite3.Database, file: string): () => Promise<void> {
  database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      file,
      everyMs: CHECKPOINT_EVERY_MS,
    },
  });
  // Not a reason to keep the process alive.
  worker.unref();
  let stopped = false;
  // If it dies (or cannot open the file), the writer checkpoints again as SQLite does by itself.
  const fallBack = () => {
    if (!stopped && database.open) database.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('error', fallBack);
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      fallBack();
      resolve();
    });
  });
  return () => {
    stopped = true;
    // Held from here until it exits: a process whose last task is awaiting this close (a CLI
    // command) would otherwise end with its top-level await unsettled.
    worker.ref();
    worker.postMessage('stop');
    return exited;
  };
}
