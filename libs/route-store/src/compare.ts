/** Code-unit order of strings, the same in every locale, so listings are stable across stores. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
