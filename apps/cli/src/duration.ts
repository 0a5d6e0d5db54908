const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "90s", "15m", "1h", "7d" (or plain seconds) into seconds. */
export function parseDurationSeconds(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}": expected e.g. 90s, 15m, 1h, 7d`);
  const seconds = Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
  if (seconds <= 0) throw new Error(`invalid duration "${text}": must be positive`);
  return seconds;
}
