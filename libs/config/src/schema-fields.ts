import { z } from 'zod';

// Every field carries an "expected ..." sentence: it becomes the middle of the start-up error
// `config: <path>: <expected>, got <value> (from <source>)`, so it is written for an operator.

/** A whole number in [min, max], described by `expected`. */
export function wholeNumber(min: number, max: number, expected: string) {
  const error = expected;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A TCP port; 0 asks the OS for any free port (tests). */
export function port() {
  return wholeNumber(0, 65535, 'expected number between 0 and 65535');
}

/** A duration in milliseconds, at least `min`. */
export function durationMs(min = 0) {
  return wholeNumber(min, Number.MAX_SAFE_INTEGER, `expected whole number of milliseconds >= ${min}`);
}

/** A size in bytes between `min` and `max`. */
export function bytes(min: number, max = 2 ** 31 - 1) {
  return wholeNumber(min, max, `expected whole number of bytes between ${min} and ${max}`);
}

/** A count between `min` and `max`. */
export function count(min: number, max = 2 ** 31 - 1) {
  return wholeNumber(min, max, `expected whole number between ${min} and ${max}`);
}

export function bool() {
  return z.boolean({ error: 'expected true or false' });
}

/** Any string, the empty string included (used where empty means "not set"). */
export function text() {
  return z.string({ error: 'expected a string' });
}

export function nonEmptyText() {
  const error = 'expected a non-empty string';
  return z.string({ error }).min(1, { error });
}

const GRPC_ADDRESS = /^\S*:\d{1,5}$/;

/**
 * Where a service can be reached: one gRPC address (`127.0.0.1:7500`, `logic:7500`,
 * `dns:///logic-headless:7500`), several as a comma-separated string (`logic-1:7500,logic-2:7500`),
 * or a list of them. Kept as written; `parseAddressList` in `@switchboard/rpc` splits it.
 */
export function grpcAddresses() {
  const error = 'expected a gRPC address such as "127.0.0.1:7500", a comma-separated list or a list of them';
  const isList = (entries: readonly string[]) =>
    entries.length > 0 && entries.every((entry) => GRPC_ADDRESS.test(entry.trim()));
  return z.union(
    [
      z.string({ error }).refine((value) => isList(value.split(',')), { error }),
      z.array(z.string({ error }), { error }).refine(isList, { error }),
    ],
    { error },
  );
}

/** A URI whose scheme is one of `schemes` (without `://`). */
export function uri(schemes: readonly string[]) {
  const error = `expected a ${schemes.map((s) => `${s}://`).join(' or ')} URI`;
  const pattern = new RegExp(`^(${schemes.join('|')})://\\S+$`);
  return z.string({ error }).regex(pattern, { error });
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

export function textList() {
  return z.array(text(), { error: 'expected a list of strings' });
}

/** A section whose unknown keys are rejected, so that typos stop start-up instead of being ignored. */
export function section<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, { error: 'expected a section (a mapping of keys to values)' });
}
