/** Tests of prot → leaf attributes and back (kvm-s2-facts §3.1) and the in-place updates (§5.2, §8). */
import * as C from './codec';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_RW, PROT_RWX, PROT_W, PROT_X, type Prot } from './prot';
import { attrLo, leaf, XN_HI } from './testkit';

const PA = 0x8000_0000;
const ALL_PROTS: Prot[] = Array.from({ length: 32 }, (_, i) => i);
const has = (p: Prot, f: Prot): boolean => (p & f) !== 0;
/** facts §3.1: DEVICE+NC, X+DEVICE, X+NC are rejected. */
const invalidProt = (p: Prot): boolean =>
  (has(p, PROT_DEVICE) && has(p, PROT_NORMAL_NC)) || (has(p, PROT_X) && (has(p, PROT_DEVICE) || has(p, PROT_NORMAL_NC)));

describe('prot flag values (enum kvm_pgtable_prot)', () => {
  it('X=bit0 W=bit1 R=bit2 DEVICE=bit3 NORMAL_NC=bit4', () => {
    expect([PROT_X, PROT_W, PROT_R, PROT_DEVICE, PROT_NORMAL_NC, PROT_RW, PROT_RWX]).toEqual([1, 2, 4, 8, 16, 6, 7]);
  });
});

describe('leafAttrLo construction errors', () => {
  it.each([
    ['DEVICE+NC', PROT_DEVICE | PROT_NORMAL_NC],
    ['X+DEVICE', PROT_X | PROT_DEVICE],
    ['X+NC', PROT_X | PROT_NORMAL_NC],
    ['RWX+DEVICE', PROT_RWX | PROT_DEVICE],
    ['RWX+DEVICE+NC', PROT_RWX | PROT_DEVICE | PROT_NORMAL_NC],
  ])('%s → EINVAL in both FWB modes', (_name, prot) => {
    expect(C.leafAttrLo(prot, false)).toBe('EINVAL');
    expect(C.leafAttrLo(prot, true)).toBe('EINVAL');
  });
  it('exactly the invalid combinations are rejected (all 32 prots)', () => {
    for (const p of ALL_PROTS) {
      for (const fwb of [false, true]) expect(C.leafAttrLo(p, fwb) === 'EINVAL').toBe(invalidProt(p));
    }
  });
});

describe('protOf round trip', () => {
  it('protOf(leaf(prot)) = prot for every valid prot, page and block, both FWB modes', () => {
    let checked = 0;
    for (const p of ALL_PROTS.filter((q) => !invalidProt(q))) {
      for (const fwb of [false, true]) {
        for (const page of [true, false]) {
          const [lo, hi] = leaf(PA, p, page, 12, fwb);
          expect(C.protOf(lo, hi, fwb)).toBe(p);
          checked++;
        }
      }
    }
    expect(checked).toBe(4 * 16); // 16 valid prots: 8 Normal (R/W/X) + 4 Device (R/W) + 4 NC (R/W)
  });
  it('an invalid entry has prot 0', () => {
    expect(C.protOf(0, 0, false)).toBe(0);
    expect(C.protOf(C.ownerLo(1), 0, false)).toBe(0);
    expect(C.protOf(C.LOCKED_LO, 0, true)).toBe(0);
  });
});

describe('differsOnlyInPerms (stage2_pte_needs_update; facts §5.2 step 2)', () => {
  const [rwLo, rwHi] = leaf(PA, PROT_RW, true);
  it('true for S2AP R/W and XN changes, and for identical leaves', () => {
    for (const p of [PROT_R, PROT_W, 0, PROT_RWX, PROT_X, PROT_RW]) {
      expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA, p, true))).toBe(true);
    }
  });
  it('false when OA, type, memtype, AF or SW differ, or either side is invalid', () => {
    expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA + 0x1000, PROT_RW, true))).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA + 2 ** 32, PROT_RW, true))).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA, PROT_RW, false))).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA, PROT_RW | PROT_DEVICE, true))).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, ...leaf(PA, PROT_RW, true, 12, true))).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, C.withAf(rwLo, false), rwHi)).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, rwLo, rwHi + 0x0080_0000)).toBe(false); // SW0 (bit 55)
    expect(C.differsOnlyInPerms(0, 0, rwLo, rwHi)).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, 0, 0)).toBe(false);
    expect(C.differsOnlyInPerms(rwLo, rwHi, C.ownerLo(1), 0)).toBe(false);
  });
});

describe('in-place attribute updates (facts §8)', () => {
  const [rwLo] = leaf(PA, PROT_RW, true);
  it('withoutWrite clears only S2AP[1]', () => {
    expect(C.withoutWrite(rwLo)).toBe(rwLo - 0x80);
    expect(C.withoutWrite(C.withoutWrite(rwLo))).toBe(rwLo - 0x80);
  });
  it('withAf sets and clears only bit 10', () => {
    expect(C.withAf(rwLo, false)).toBe(rwLo - 0x400);
    expect(C.withAf(C.withAf(rwLo, false), true)).toBe(rwLo);
    expect(C.isYoung(C.withAf(rwLo, false))).toBe(false);
  });
  it('relax only adds R/W and clears XN; never removes', () => {
    const [noneLo, noneHi] = leaf(PA, 0, true);
    expect(C.relaxLo(noneLo, PROT_RW)).toBe(rwLo);
    expect(C.relaxLo(rwLo, 0)).toBe(rwLo);
    expect(C.relaxLo(noneLo, PROT_X)).toBe(noneLo);
    expect(C.relaxHi(noneHi, PROT_X)).toBe(0);
    expect(C.relaxHi(noneHi, PROT_RW)).toBe(XN_HI);
    expect(C.relaxHi(0, 0)).toBe(0);
  });
  it('attrLoOf/attrHiOf keep leaf attributes, drop valid/type and OA', () => {
    const [lo, hi] = leaf(0xab_8000_0000, PROT_RW, true);
    expect(C.attrLoOf(lo)).toBe(attrLo(PROT_RW));
    expect(C.attrHiOf(hi)).toBe(XN_HI);
    // a page's attributes rebuild the same words as a block (and vice versa)
    expect(C.leafLo(0xab_8000_0000, 12, C.attrLoOf(lo), false)).toBe(leaf(0xab_8000_0000, PROT_RW, false)[0]);
  });
});
