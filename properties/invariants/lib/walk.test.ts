/** The shared touched walk: replayed only while table, pool version and ranges are unchanged; nested walks are safe; per-walk values and page counts follow the table. */
import { PROT_RW } from '../../../impl/descriptor/prot';
import { stage2Map } from '../../../impl/ops/map';
import { stage2Unmap } from '../../../impl/ops/unmap';
import { Stage2Pgtable } from '../../../impl/pgtable';
import { forEachEntryIn, forEachLeafIn, perWalk, type Leaf, type Ranges } from './walk';
import { countedEntries, pagesIn } from './tablePages';

const leaves = (pgt: Stage2Pgtable, ranges: [number, number][]): number[] => {
  const out: number[] = [];
  forEachLeafIn(pgt, ranges, (l: Leaf) => out.push(l.ipa));
  return out;
};

describe('forEachEntryIn memo', () => {
  it('sees every change to the table and to the ranges', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    const r: [number, number][] = [[0, 0x10000]];
    expect(leaves(pgt, r)).toEqual([]);
    stage2Map(pgt, 0x3000, 0x2000, 0x80000000, PROT_RW);
    expect(leaves(pgt, r)).toEqual([0x3000, 0x4000]);
    expect(leaves(pgt, r)).toEqual([0x3000, 0x4000]);
    expect(leaves(pgt, [[0x4000, 0x5000]])).toEqual([0x4000]);
    stage2Unmap(pgt, 0x3000, 0x1000);
    expect(leaves(pgt, r)).toEqual([0x4000]);
    const other = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    expect(leaves(other, r)).toEqual([]);
  });

  it('a walk started inside a replayed walk gets its own entries and leaves the outer one intact', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0x3000, 0x2000, 0x80000000, PROT_RW);
    const r: [number, number][] = [[0, 0x10000]];
    leaves(pgt, r); // fill the memo
    const outer: number[] = [];
    const inner: number[][] = [];
    forEachLeafIn(pgt, r, (l) => { outer.push(l.ipa); inner.push(leaves(pgt, [[0x4000, 0x5000]])); });
    expect(outer).toEqual([0x3000, 0x4000]);
    expect(inner).toEqual([[0x4000], [0x4000]]);
    let n = 0;
    forEachEntryIn(pgt, r, () => { n++; });
    expect(n).toBeGreaterThan(2);
  });
});

describe('perWalk', () => {
  it('computes once per walk and again after a change to the table or the ranges', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0x3000, 0x2000, 0x80000000, PROT_RW);
    let runs = 0;
    const compute = (p: Stage2Pgtable, r: Ranges): number[] => { runs++; return leaves(p, r.map(([a, b]): [number, number] => [a, b])); };
    const get = (r: [number, number][]): number[] => perWalk(pgt, r, compute);
    const r: [number, number][] = [[0, 0x10000]];
    expect(get(r)).toEqual([0x3000, 0x4000]);
    expect(get([[0, 0x10000]])).toEqual([0x3000, 0x4000]);
    expect(runs).toBe(1);
    stage2Unmap(pgt, 0x3000, 0x1000);
    expect(get(r)).toEqual([0x4000]);
    expect(get([[0x5000, 0x6000]])).toEqual([]);
    expect(runs).toBe(3);
  });

  it('inside a replay of other ranges computes without caching and leaves the outer walk intact', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0x3000, 0x2000, 0x80000000, PROT_RW);
    let runs = 0;
    const compute = (p: Stage2Pgtable, r: Ranges): number[] => { runs++; return leaves(p, r.map(([a, b]): [number, number] => [a, b])); };
    const outer: number[] = [];
    forEachLeafIn(pgt, [[0, 0x10000]], (l) => {
      outer.push(l.ipa);
      expect(perWalk(pgt, [[0x4000, 0x5000]], compute)).toEqual([0x4000]);
    });
    expect(outer).toEqual([0x3000, 0x4000]);
    expect(runs).toBe(2);
  });
});

describe('countedEntries', () => {
  it('follows every store (counts are kept per pool version)', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    stage2Map(pgt, 0x3000, 0x2000, 0x80000000, PROT_RW);
    const page = pagesIn(pgt, [[0x3000, 0x4000]]).find((p) => p.level === 3);
    expect(page).toBeDefined();
    const n = page ? page.page : -1;
    expect(countedEntries(pgt, n)).toBe(2);
    stage2Unmap(pgt, 0x3000, 0x1000);
    expect(countedEntries(pgt, n)).toBe(1);
    stage2Map(pgt, 0x5000, 0x3000, 0x80000000, PROT_RW);
    expect(countedEntries(pgt, n)).toBe(4);
    stage2Unmap(pgt, 0x5000, 0x3000);
    stage2Map(pgt, 0x3000, 0x1000, 0x80000000, PROT_RW);
    expect(countedEntries(pgt, n)).toBe(2); // the words of the first count again
  });

  it('agrees with a plain count on every page, across stores, frees and a pool that grows', () => {
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false });
    const plain = (page: number): number => {
      const w = pgt.pool.words;
      let k = 0;
      for (let i = 0; i < pgt.geom.entries; i++) if (w[pgt.pool.ptrOfPage(page) + 2 * i] !== 0 || w[pgt.pool.ptrOfPage(page) + 2 * i + 1] !== 0) k++;
      return k;
    };
    for (let i = 0; i < 120; i++) {
      const ipa = ((i * 7919) % 400) * 0x200000 + ((i * 31) % 512) * 0x1000;
      if (i % 3 === 2) stage2Unmap(pgt, ipa - (ipa % 0x200000), 0x200000);
      else stage2Map(pgt, ipa, 0x1000 * (1 + (i % 4)), 0x80000000, PROT_RW);
      for (const p of pagesIn(pgt, [[0, 400 * 0x200000]])) expect([p.page, countedEntries(pgt, p.page)]).toEqual([p.page, plain(p.page)]);
    }
  });
});
