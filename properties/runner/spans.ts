/** A reusable flat list of [start, end) pairs (IPA bytes): the runner's per-step range scratch, no tuple per range. */

/** Pairs at v[0..n): [v[2k], v[2k+1]). `clear` keeps the backing array, so a list reused across steps stops allocating. */
export class SpanList {
  readonly v: number[] = [];
  /** Numbers in use (twice the pair count). */
  n = 0;

  clear(): void { this.n = 0; }

  push(a: number, b: number): void {
    this.v[this.n++] = a;
    this.v[this.n++] = b;
  }

  /** Append every pair of `o`. */
  pushAll(o: SpanList): void {
    for (let k = 0; k < o.n; k += 2) this.push(o.v[k], o.v[k + 1]);
  }
}

/** Pair counts up to this are sorted in place by insertion; larger lists (long dirty logs) through Array.prototype.sort. */
const INSERTION_MAX = 32;

function sortByStart(s: SpanList): void {
  const v = s.v;
  const n = s.n;
  if (n <= 2 * INSERTION_MAX) {
    for (let i = 2; i < n; i += 2) {
      const a = v[i];
      const b = v[i + 1];
      let j = i - 2;
      while (j >= 0 && v[j] > a) { v[j + 2] = v[j]; v[j + 3] = v[j + 1]; j -= 2; }
      v[j + 2] = a;
      v[j + 3] = b;
    }
    return;
  }
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < n; k += 2) pairs.push([v[k], v[k + 1]]);
  pairs.sort((x, y) => x[0] - y[0]);
  for (let k = 0; k < pairs.length; k++) { v[2 * k] = pairs[k][0]; v[2 * k + 1] = pairs[k][1]; }
}

/** In place: clip every pair to [0, limit), drop empty ones, sort by start, merge overlapping or adjacent pairs. */
export function coalesceSpans(s: SpanList, limit: number): void {
  const v = s.v;
  let m = 0;
  for (let k = 0; k < s.n; k += 2) {
    const lo = Math.max(0, v[k]);
    const hi = Math.min(limit, v[k + 1]);
    if (lo < hi) { v[m++] = lo; v[m++] = hi; }
  }
  s.n = m;
  if (m > 2) sortByStart(s);
  let w = 0;
  for (let k = 0; k < m; k += 2) {
    if (w > 0 && v[k] <= v[w - 1]) { if (v[k + 1] > v[w - 1]) v[w - 1] = v[k + 1]; } else { v[w++] = v[k]; v[w++] = v[k + 1]; }
  }
  s.n = w;
}

/** Append to `out` the parts of `c` outside `k` (both coalesced: sorted, disjoint). */
export function subtractSpans(c: SpanList, k: SpanList, out: SpanList): void {
  let j = 0;
  for (let i = 0; i < c.n; i += 2) {
    let a = c.v[i];
    const b = c.v[i + 1];
    while (j < k.n && k.v[j + 1] <= a) j += 2;
    for (let q = j; a < b; q += 2) {
      if (q >= k.n || k.v[q] >= b) { out.push(a, b); break; }
      if (k.v[q] > a) out.push(a, k.v[q]);
      a = k.v[q + 1];
    }
  }
}
