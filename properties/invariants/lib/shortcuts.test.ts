/** The invariants' shortcuts agree with the plain computations they skip: BBM's pre-filter, page sampling. */
import * as fc from 'fast-check';
import { checkBbm } from '../../../impl/check/bbm';
import * as C from '../../../impl/descriptor/codec';
import { PROT_R, PROT_RW } from '../../../impl/descriptor/prot';
import type { EffectEvent } from '../../../impl/effects';
import { Stage2Pgtable } from '../../../impl/pgtable';
import { bbm } from '../bbm';
import type { InvSnapshot } from './view';
import { sampleAt, sampleCount, samplePages } from './leafInfo';

const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
const shift = pgt.geom.pageShift;
const page = (pa: number, prot: number): [number, number] => {
  const lo = C.leafAttrLo(prot, false);
  if (lo === 'EINVAL') throw new Error('prot');
  return [C.leafLo(pa, shift, lo, true), C.leafHi(pa, C.leafAttrHi(prot))];
};
/** Entry words a store may write: empty, owner annotation, two leaves (differing in perms or PA), a table. */
const WORDS: Array<[number, number]> = [[0, 0], [C.ownerLo(2), 0], page(0x80000000, PROT_R), page(0x80000000, PROT_RW), page(0x80001000, PROT_RW), [C.tableLo(0xf00000001000, shift), C.tableHi(0xf00000001000)]];

const eventArb: fc.Arbitrary<EffectEvent> = fc.oneof(
  fc.record({ ipa: fc.integer({ min: 0, max: 3 }), level: fc.constantFrom(2, 3), from: fc.integer({ min: 0, max: WORDS.length - 1 }), to: fc.integer({ min: 0, max: WORDS.length - 1 }) })
    .map(({ ipa, level, from, to }): EffectEvent => ({ op: 'pteStore', ipa: ipa * 0x1000, level, oldLo: WORDS[from][0], oldHi: WORDS[from][1], newLo: WORDS[to][0], newHi: WORDS[to][1] })),
  fc.integer({ min: 0, max: 3 }).map((ipa): EffectEvent => ({ op: 'tlbiIpa', ipa: ipa * 0x1000, level: 3 })),
  fc.constant<EffectEvent>({ op: 'tlbiVmid' }),
);

describe('BBM pre-filter', () => {
  it('reports exactly what checkBbm reports first, on any event log', () => {
    let found = 0;
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 8 }), (events) => {
      const s = { stepIndex: 0, events, impl: { pgt } } as unknown as InvSnapshot;
      const p = checkBbm(events, pgt.geom, pgt.lastLevel)[0];
      if (p) found++;
      expect(bbm.check(s)?.message).toBe(p?.message);
    }), { seed: 21, numRuns: 2000 });
    expect(found).toBeGreaterThan(200); // both kinds of log are drawn
  });
});

describe('page sampling', () => {
  /** The list samplePages used to build: every page, or an even stride plus the last page. */
  function reference(a: number, b: number, pg: number, cap = 64): number[] {
    const n = Math.ceil((b - a) / pg);
    if (n <= cap) return Array.from({ length: n }, (_, i) => a + i * pg);
    const step = Math.ceil(n / (cap - 1));
    const out: number[] = [];
    for (let i = 0; i < n; i += step) out.push(a + i * pg);
    out.push(a + (n - 1) * pg);
    return out;
  }

  it('sampleCount/sampleAt enumerate the reference samples, for spans up to a 1G block', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 18 + 5 }), fc.integer({ min: 0, max: 0xfff }), (n, skew) => {
      const a = 0x40000000 + skew;
      const b = a + n * 0x1000;
      const want = reference(a, b, 0x1000);
      expect(samplePages(a, b, 0x1000)).toEqual(want);
      expect(sampleCount(a, b, 0x1000)).toBe(want.length);
      if (want.length > 0) expect(sampleAt(a, b, 0x1000, want.length - 1)).toBe(want[want.length - 1]);
    }), { seed: 22, numRuns: 400 });
  });
});
