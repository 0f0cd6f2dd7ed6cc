/** Placement check: blocks only at allowed levels, page type bit at the last level, aligned OAs. */
import * as C from '../descriptor/codec';
import { PROT_R, PROT_RW } from '../descriptor/prot';
import { stage2Map } from '../ops/map';
import { checkPlacement } from './placement';
import { codes, mkTable, mustEntryAt } from './testkit';

const RAM = 0x80000000;
const attr = (fwb = false): number => C.leafAttrLo(PROT_RW, fwb) as number;
const hiRw = C.leafAttrHi(PROT_RW);

describe('checkPlacement', () => {
  it('passes on 4K blocks at L1 and L2 and pages, and on a 16K 32M block', () => {
    const { pgt } = mkTable(4096, 40);
    expect(stage2Map(pgt, 0x40000000, 0x40000000, RAM, PROT_RW)).toBe(0); // 1 GiB block
    expect(stage2Map(pgt, 0x80000000, 0x201000, RAM, PROT_R)).toBe(0);
    expect(mustEntryAt(pgt, 0x40000000, 1).lo).not.toBe(0);
    expect(checkPlacement(pgt)).toEqual([]);
    const t16 = mkTable(16384, 40);
    expect(stage2Map(t16.pgt, 0x2000000, 0x2004000, RAM, PROT_RW)).toBe(0);
    expect(checkPlacement(t16.pgt)).toEqual([]);
  });

  it('fails on a block at level 0 (4K, 48-bit IPA)', () => {
    const { pgt } = mkTable(4096, 48);
    const slot = mustEntryAt(pgt, 0, 0);
    pgt.store(slot.ptr, 0, 0, C.leafLo(0, 12, attr(), false), C.leafHi(0, hiRw));
    const ps = checkPlacement(pgt);
    expect(codes(ps)).toEqual(['blockLevel']);
    expect(ps[0]).toMatchObject({ ipa: 0, level: 0 });
  });

  it('fails on a 64 GiB block at level 1 with the 16K granule (MIN_BLOCK_LEVEL 2)', () => {
    const { pgt } = mkTable(16384, 48);
    const slot = mustEntryAt(pgt, 0, 1);
    pgt.store(slot.ptr, 0, 1, C.leafLo(0, 14, attr(), false), C.leafHi(0, hiRw));
    expect(codes(checkPlacement(pgt))).toEqual(['blockLevel']);
  });

  it('fails on a last-level valid entry without the page type bit', () => {
    const { pgt } = mkTable();
    expect(stage2Map(pgt, 0x1000, 0x1000, RAM, PROT_RW)).toBe(0);
    const e = mustEntryAt(pgt, 0x1000, 3);
    pgt.store(e.ptr, e.ipa, 3, C.leafLo(RAM, 12, attr(), false), C.leafHi(RAM, hiRw));
    expect(codes(checkPlacement(pgt))).toEqual(['pageTypeBit']);
  });

  it('fails on a 2M block whose OA is only page aligned', () => {
    const { pgt } = mkTable();
    expect(stage2Map(pgt, 0x200000, 0x200000, RAM, PROT_RW)).toBe(0);
    const e = mustEntryAt(pgt, 0x200000, 2);
    pgt.store(e.ptr, e.ipa, 2, C.leafLo(RAM + 0x1000, 12, attr(), false), C.leafHi(RAM + 0x1000, hiRw));
    const ps = checkPlacement(pgt);
    expect(codes(ps)).toEqual(['oaMisaligned']);
    expect(ps[0]).toMatchObject({ ipa: 0x200000, level: 2 });
  });
});
