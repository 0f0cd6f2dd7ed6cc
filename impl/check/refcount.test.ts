/** Refcount and empty-table checks: pass on tables built by map/unmap, fail on each kind of corruption. */
import * as C from '../descriptor/codec';
import { PROT_RW } from '../descriptor/prot';
import { stage2Map } from '../ops/map';
import { stage2Unmap } from '../ops/unmap';
import { checkNoEmptyTables, checkRefcounts } from './refcount';
import { codes, mkTable, mustEntryAt } from './testkit';

const G2 = 0x200000;
const RAM = 0x80000000;

/** 4K/40-bit table with a 2M block, scattered pages and a second L2 table. */
function populated() {
  const t = mkTable();
  expect(stage2Map(t.pgt, 0x40000000, G2, RAM, PROT_RW)).toBe(0);
  expect(stage2Map(t.pgt, 0x40200000, 0x3000, RAM + G2, PROT_RW)).toBe(0);
  expect(stage2Map(t.pgt, 0x80000000, 0x1000, RAM, PROT_RW)).toBe(0);
  return t;
}

describe('checkRefcounts', () => {
  it('passes on tables built by map and unmap', () => {
    const { pgt } = populated();
    expect(checkRefcounts(pgt)).toEqual([]);
    stage2Unmap(pgt, 0x40201000, 0x1000);
    expect(checkRefcounts(pgt)).toEqual([]);
  });

  it('fails when a page refcount is off by one', () => {
    const { pgt } = populated();
    const leaf = mustEntryAt(pgt, 0x40200000, 3);
    pgt.pool.refs[pgt.pool.pageOfPtr(leaf.ptr)]++;
    const ps = checkRefcounts(pgt);
    expect(codes(ps)).toEqual(['refcountMismatch']);
    expect(ps[0].page).toBe(pgt.pool.pageOfPtr(leaf.ptr));
  });

  it('fails when an entry is written behind the refcount (raw word store)', () => {
    const { pgt } = populated();
    const slot = mustEntryAt(pgt, 0x40205000, 3);
    expect(C.isCounted(slot.lo, slot.hi)).toBe(false);
    const attr = C.leafAttrLo(PROT_RW, false) as number;
    pgt.pool.setEntry(slot.ptr, C.leafLo(RAM, 12, attr, true), C.leafHi(RAM, C.leafAttrHi(PROT_RW)));
    expect(codes(checkRefcounts(pgt))).toEqual(['refcountMismatch']);
  });

  it('fails when a table page has two parents', () => {
    const { pgt } = populated();
    const l1 = mustEntryAt(pgt, 0x40000000, 1);
    const other = mustEntryAt(pgt, 0xc0000000, 1);
    pgt.store(other.ptr, other.ipa, 1, l1.lo, l1.hi);
    expect(codes(checkRefcounts(pgt))).toContain('multipleParents');
  });

  it('fails when a linked page is free, and reports the leak count mismatch', () => {
    const { pgt } = populated();
    const l2 = mustEntryAt(pgt, 0x80000000, 2);
    pgt.pool.release(pgt.pool.pageOfPtr(l2.ptr));
    expect(codes(checkRefcounts(pgt))).toEqual(['leakedPages', 'linkedPageFree']);
  });

  it('fails when an allocated page is linked nowhere', () => {
    const { pgt } = populated();
    pgt.allocTable(3);
    expect(codes(checkRefcounts(pgt))).toEqual(['leakedPages']);
  });

  it('reports a table pointer outside the pool without throwing', () => {
    const { pgt } = populated();
    const slot = mustEntryAt(pgt, 0x100000000, 1);
    const far = pgt.pool.paOfPage(2 ** 20);
    pgt.store(slot.ptr, slot.ipa, 1, C.tableLo(far, 12), C.tableHi(far));
    expect(codes(checkRefcounts(pgt))).toContain('tableOutsidePool');
  });

  it('fails when a root page is also linked as a child', () => {
    const { pgt } = populated();
    const slot = mustEntryAt(pgt, 0x100000000, 1);
    const root = pgt.pool.paOfPage(pgt.rootPage);
    pgt.store(slot.ptr, slot.ipa, 1, C.tableLo(root, 12), C.tableHi(root));
    expect(codes(checkRefcounts(pgt))).toContain('rootLinkedAsChild');
  });
});

describe('checkNoEmptyTables', () => {
  it('passes after a full-range unmap, which leaves only the root pages', () => {
    const { pgt } = populated();
    expect(stage2Unmap(pgt, 0, pgt.geom.ipaLimit)).toBe(0);
    expect(checkNoEmptyTables(pgt)).toEqual([]);
    expect(checkRefcounts(pgt)).toEqual([]);
    expect(pgt.pool.pagesInUse).toBe(pgt.geom.rootPages);
  });

  it('fails on a table whose last entry was cleared without unlinking it', () => {
    const { pgt } = populated();
    const leaf = mustEntryAt(pgt, 0x80000000, 3);
    pgt.store(leaf.ptr, leaf.ipa, 3, 0, 0);
    const ps = checkNoEmptyTables(pgt);
    expect(codes(ps)).toEqual(['emptyTable']);
    expect(ps[0].page).toBe(pgt.pool.pageOfPtr(leaf.ptr));
    expect(checkRefcounts(pgt)).toEqual([]); // refs stay consistent: this is only an emptiness defect
  });
});
