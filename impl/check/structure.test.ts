/** checkStructure: all checks in one walk, never throws, even on a table full of garbage words. */
import * as C from '../descriptor/codec';
import { PROT_RW } from '../descriptor/prot';
import { stage2Map } from '../ops/map';
import { stage2Unmap } from '../ops/unmap';
import { checkStructure } from './structure';
import type { TablePool } from '../pool';
import { codes, mkTable, mustEntryAt } from './testkit';

const RAM = 0x80000000;

describe('checkStructure', () => {
  it('is clean on a sound table, with events and the empty-table rule after a full unmap', () => {
    const { pgt, rec } = mkTable();
    expect(stage2Map(pgt, 0x3ff000, 0x402000, RAM, PROT_RW)).toBe(0);
    expect(checkStructure(pgt, { events: rec.events })).toEqual([]);
    rec.clear();
    expect(stage2Unmap(pgt, 0, pgt.geom.ipaLimit)).toBe(0);
    expect(checkStructure(pgt, { events: rec.events, noEmptyTables: true })).toEqual([]);
  });

  it('reports problems of several checks together', () => {
    const { pgt } = mkTable();
    expect(stage2Map(pgt, 0x1000, 0x2000, RAM, PROT_RW)).toBe(0);
    const a = mustEntryAt(pgt, 0x1000, 3);
    const b = mustEntryAt(pgt, 0x2000, 3);
    pgt.store(a.ptr, a.ipa, 3, C.LOCKED_LO, 0);
    pgt.pool.setEntry(b.ptr, 0, 0);
    const ps = checkStructure(pgt, { events: [{ op: 'pteStore', ipa: 0x1000, level: 3, oldLo: b.lo, oldHi: b.hi, newLo: a.lo, newHi: a.hi }] });
    expect(codes(ps)).toEqual(['bbmValidToValid', 'lockedAtRest', 'refcountMismatch']);
    expect(new Set(ps.map((p) => p.check))).toEqual(new Set(['bbm', 'encoding', 'refcount']));
  });

  it('never throws on tables filled with arbitrary words, and stops on pointers outside the pool', () => {
    for (const granule of [4096, 16384, 65536] as const) {
      const { pgt } = mkTable(granule, 40);
      expect(stage2Map(pgt, 0, 0x800000, RAM, PROT_RW)).toBe(0);
      fillJunk(pgt.pool, (x) => x * 2 + 1, (x) => x % 65536);
      let ps: ReturnType<typeof checkStructure> = [];
      expect(() => { ps = checkStructure(pgt, { noEmptyTables: true }); }).not.toThrow();
      expect(codes(ps)).toContain('tableOutsidePool');
    }
  });

  it('stops within a visit budget when every entry is a table into the pool (shared pages)', () => {
    const { pgt } = mkTable(4096, 40);
    expect(stage2Map(pgt, 0, 0x800000, RAM, PROT_RW)).toBe(0);
    const pages = pgt.pool.refs.length;
    const tableTo = (x: number): number => C.tableLo(pgt.pool.paOfPage(x % pages), 12);
    fillJunk(pgt.pool, tableTo, () => C.tableHi(pgt.pool.paOfPage(0)));
    const ps = checkStructure(pgt);
    expect(codes(ps)).toEqual(expect.arrayContaining(['walkOverBudget', 'multipleParents', 'refcountMismatch']));
  });
});

/** Deterministic junk in every entry of the pool: LO words from `lo(x)`, HI words from `hi(x)`, x from an LCG. */
function fillJunk(pool: TablePool, lo: (x: number) => number, hi: (x: number) => number): void {
  let x = 12345;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < pool.words.length; i += 2) pool.setEntry(i, lo(next()), hi(next()));
}
