/** A command line that does not name a known command or lacks a required flag: exit 2 with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
