import type { StorageDialect } from './storage-dialect.js';
import { StorageError } from './storage-error.js';

/** Attempts of a transaction that keeps losing to concurrent writers before giving up. */
export const MAX_TRANSACTION_ATTEMPTS = 8;

/**
 * Runs `work` (one whole transaction) again when the database aborted it for a deadlock or a
 * lock wait, or when a concurrent writer claimed a key it was about to insert: in that last case
 * the next attempt sees the winner's row. Backs off with jitter so that the losers of a deadlock
 * do not collide again in lockstep.
 */
export async function withTransactionRetry<T>(dialect: StorageDialect, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (dialect.classifyError(error) === 'other') throw error;
      if (attempt >= MAX_TRANSACTION_ATTEMPTS) {
        throw new StorageError('CONFLICT', `transaction aborted by concurrent writers ${attempt} times`, {
          cause: error,
        });
      }
      await sleep(Math.random() * 2 ** attempt);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
