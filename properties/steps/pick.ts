/** Deterministic choices from raw numbers: index modulo count, weighted picks (so shrinking keeps steps valid). */

/** Raw arguments of one generated step: small naturals consumed by the op's resolver. */
export type Raw = readonly number[];

/** Raw number `i` (0 when absent: shrinking drives raws to 0 = the simplest choice). */
export function r(raw: Raw, i: number): number {
  return raw[i] ?? 0;
}

/** Element `n mod length` of a non-empty list. */
export function nth<T>(list: readonly T[], n: number): T {
  return list[n % list.length];
}

/** Weighted choice: `n mod total` lands in one weight bucket; weight-0 items are never chosen. */
export function weighted<T>(n: number, choices: ReadonlyArray<readonly [number, T]>): T {
  const total = choices.reduce((a, [w]) => a + w, 0);
  let k = n % total;
  for (const [w, v] of choices) {
    if (k < w) return v;
    k -= w;
  }
  return choices[choices.length - 1][1];
}

/** Round down / up to a multiple of `a`. */
export const alignDown = (v: number, a: number): number => v - (v % a);
export const alignUp = (v: number, a: number): number => alignDown(v + a - 1, a);
