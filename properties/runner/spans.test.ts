/** SpanList helpers against a plain set-of-units model: coalesce (clip, sort, merge) and subtract. */
import * as fc from 'fast-check';
import { coalesceSpans, SpanList, subtractSpans } from './spans';

const LIMIT = 200;
const pairs = fc.array(fc.tuple(fc.integer({ min: -20, max: 220 }), fc.integer({ min: -20, max: 220 })), { maxLength: 80 });

const listOf = (ps: readonly (readonly [number, number])[]): SpanList => { const s = new SpanList(); for (const [a, b] of ps) s.push(a, b); return s; };
const units = (s: SpanList): number[] => { const out = new Set<number>(); for (let k = 0; k < s.n; k += 2) for (let x = s.v[k]; x < s.v[k + 1]; x++) out.add(x); return [...out].sort((a, b) => a - b); };
const pairsOf = (s: SpanList): Array<[number, number]> => { const out: Array<[number, number]> = []; for (let k = 0; k < s.n; k += 2) out.push([s.v[k], s.v[k + 1]]); return out; };

/** The canonical form: maximal runs of the clipped unit set. */
function canonical(ps: readonly (readonly [number, number])[]): Array<[number, number]> {
  const set = new Set<number>();
  for (const [a, b] of ps) for (let x = Math.max(0, a); x < Math.min(LIMIT, b); x++) set.add(x);
  const xs = [...set].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const x of xs) { const last = out[out.length - 1]; if (last && last[1] === x) last[1] = x + 1; else out.push([x, x + 1]); }
  return out;
}

describe('SpanList', () => {
  it('coalesceSpans gives the maximal runs of the clipped union, in order (insertion and array sort paths)', () => {
    fc.assert(fc.property(pairs, (ps) => {
      const s = listOf(ps);
      coalesceSpans(s, LIMIT);
      expect(pairsOf(s)).toEqual(canonical(ps));
    }), { seed: 3, numRuns: 500 });
  });

  it('subtractSpans leaves exactly the units of c outside k, as disjoint ascending pairs', () => {
    fc.assert(fc.property(pairs, pairs, (pc, pk) => {
      const c = listOf(pc);
      const k = listOf(pk);
      coalesceSpans(c, LIMIT);
      coalesceSpans(k, LIMIT);
      const out = new SpanList();
      subtractSpans(c, k, out);
      const ku = new Set(units(k));
      expect(units(out)).toEqual(units(c).filter((x) => !ku.has(x)));
      for (let q = 2; q < out.n; q += 2) expect(out.v[q]).toBeGreaterThanOrEqual(out.v[q - 1]);
      for (let q = 0; q < out.n; q += 2) expect(out.v[q]).toBeLessThan(out.v[q + 1]);
    }), { seed: 4, numRuns: 500 });
  });

  it('clear keeps the storage and a reused list starts empty', () => {
    const s = listOf([[1, 2], [3, 4]]);
    s.clear();
    s.push(5, 6);
    expect(pairsOf(s)).toEqual([[5, 6]]);
  });
});
