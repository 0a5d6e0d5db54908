/** Source of the current time in milliseconds; injected so that tests drive timeouts by hand. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
