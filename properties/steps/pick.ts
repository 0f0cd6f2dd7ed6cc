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

/** Element `n mod size` of a non-empty iterable of known size (a Map's keys or values), in iteration order, without copying it. */
export function nthOf<T>(items: Iterable<T>, size: number, n: number): T {
  let i = n % size;
  let last: T | undefined;
  for (const x of items) {
    if (i-- === 0) return x;
    last = x;
  }
  return last as T;
}

/** A weighted choice list computed once at module level (never per call): weights, values and their total. */
export interface Choices<T> {
  readonly weights: readonly number[];
  readonly values: readonly T[];
  readonly total: number;
}

/** Precompute a choice table from `[weight, value]` pairs. */
export function choices<T>(pairs: ReadonlyArray<readonly [number, T]>): Choices<T> {
  const weights = pairs.map(([w]) => w);
  return { weights, values: pairs.map(([, v]) => v), total: weights.reduce((a, w) => a + w, 0) };
}

/** Index of the weight bucket `n mod total` lands in (weight-0 buckets never; the last index when none does). */
function bucket(n: number, weights: readonly number[], total: number): number {
  let k = n % total;
  for (let i = 0; i < weights.length; i++) {
    if (k < weights[i]) return i;
    k -= weights[i];
  }
  return weights.length - 1;
}

/** Weighted choice: `n mod total` lands in one weight bucket of the table; weight-0 items are never chosen. */
export function pick<T>(n: number, c: Choices<T>): T {
  return c.values[bucket(n, c.weights, c.total)];
}

/** Round down / up to a multiple of `a`. */
export const alignDown = (v: number, a: number): number => v - (v % a);
export const alignUp = (v: number, a: number): number => alignDown(v + a - 1, a);
