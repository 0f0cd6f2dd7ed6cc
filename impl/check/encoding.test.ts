/** Encoding check: invalid entries, owner ids, LOCKED, MemAttr per FWB mode, SH, DBM, Contiguous. */
import * as C from '../descriptor/codec';
import { PROT_DEVICE, PROT_R, PROT_RW, PROT_RWX } from '../descriptor/prot';
import { stage2Map } from '../ops/map';
import { stage2SetOwner } from '../ops/owner';
import { checkEncoding } from './encoding';
import { codes, mkTable, mustEntryAt } from './testkit';
import type { Stage2Pgtable } from '../pgtable';

const RAM = 0x80000000;
const CTX: C.CodecCtx = { pageShift: 12, fwb: false, lastLevel: 3 };

/** A table with one RW page at 0x1000 and owner-1 pages at 0x10000..0x12000. */
function base(fwb = false): Stage2Pgtable {
  const { pgt } = mkTable(4096, 40, fwb);
  expect(stage2Map(pgt, 0x1000, 0x1000, RAM, PROT_RW)).toBe(0);
  expect(stage2Map(pgt, 0x2000, 0x1000, 0x9000000, PROT_DEVICE | PROT_R)).toBe(0);
  expect(stage2SetOwner(pgt, 0x10000, 0x2000, 1)).toBe(0);
  return pgt;
}

/** Overwrite the page at `ipa` with an edited decode of itself. */
function editPage(pgt: Stage2Pgtable, ipa: number, edit: (d: C.Descriptor) => C.Descriptor): void {
  const e = mustEntryAt(pgt, ipa, 3);
  const ctx = { ...CTX, fwb: pgt.fwb };
  const [lo, hi] = C.encode(edit(C.decode(e.lo, e.hi, 3, ctx)), ctx);
  pgt.store(e.ptr, e.ipa, 3, lo, hi);
}

describe('checkEncoding', () => {
  it('passes on what map and setOwner produce, FWB and not', () => {
    expect(checkEncoding(base(false))).toEqual([]);
    expect(checkEncoding(base(true))).toEqual([]);
  });

  it('fails on a LOCKED marker left at rest', () => {
    const pgt = base();
    const e = mustEntryAt(pgt, 0x1000, 3);
    pgt.store(e.ptr, e.ipa, 3, C.LOCKED_LO, 0);
    expect(codes(checkEncoding(pgt))).toEqual(['lockedAtRest']);
  });

  it('fails on an owner id above KVM_MAX_OWNER_ID, unless a larger max is allowed', () => {
    const pgt = base();
    const e = mustEntryAt(pgt, 0x10000, 3);
    pgt.store(e.ptr, e.ipa, 3, C.ownerLo(2), 0);
    expect(codes(checkEncoding(pgt))).toEqual(['ownerTooLarge']);
    expect(checkEncoding(pgt, { maxOwner: 0xff })).toEqual([]);
  });

  it('fails on an invalid entry with bits outside the owner field', () => {
    const pgt = base();
    const e = mustEntryAt(pgt, 0x10000, 3);
    pgt.store(e.ptr, e.ipa, 3, C.ownerLo(1), C.leafAttrHi(0));
    expect(codes(checkEncoding(pgt))).toEqual(['invalidGarbage']);
  });

  it('fails on the FWB Normal-WB MemAttr in a non-FWB table', () => {
    const pgt = base(false);
    const e = mustEntryAt(pgt, 0x1000, 3);
    pgt.store(e.ptr, e.ipa, 3, C.leafLo(RAM, 12, C.leafAttrLo(PROT_RW, true) as number, true), e.hi);
    expect(codes(checkEncoding(pgt))).toEqual(['memAttr']);
  });

  it('fails on DBM, Contiguous, non-inner shareability and an executable Device leaf', () => {
    const cases: [string, (d: C.Descriptor) => C.Descriptor, number][] = [
      ['dbm', (d) => ({ ...d, dbm: true }), 0x1000],
      ['contiguous', (d) => ({ ...d, cont: true }), 0x1000],
      ['shareability', (d) => ({ ...d, sh: 2 }), 0x1000],
      ['execNonNormal', (d) => ({ ...d, perms: { ...d.perms, x: true } }), 0x2000],
    ];
    for (const [code, edit, ipa] of cases) {
      const pgt = base();
      editPage(pgt, ipa, edit);
      expect([code, codes(checkEncoding(pgt))]).toEqual([code, [code]]);
    }
  });

  it('fails on a leaf bit KVM never sets (bit 53) and on a table with leaf attributes', () => {
    const pgt = base();
    const e = mustEntryAt(pgt, 0x1000, 3);
    pgt.store(e.ptr, e.ipa, 3, e.lo, C.leafHi(RAM, C.leafAttrHi(0) / 2)); // XN moved down to bit 53
    expect(codes(checkEncoding(pgt))).toEqual(['strayBits']);
    const t = base();
    const l2 = mustEntryAt(t, 0x1000, 2);
    const leafAttrs = C.attrLoOf(C.leafLo(RAM, 12, C.leafAttrLo(PROT_RWX, false) as number, true));
    t.store(l2.ptr, l2.ipa, 2, l2.lo + leafAttrs, l2.hi);
    expect(codes(checkEncoding(t))).toEqual(['tableAttrs']);
  });
});
