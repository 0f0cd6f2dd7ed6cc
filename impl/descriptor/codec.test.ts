/** Bit-exact tests of the stage-2 descriptor codec against kvm-s2-facts §2 and §3.1. */
import * as C from './codec';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_RW, PROT_RWX, PROT_W, PROT_X, type Prot } from './prot';
import { attrLo, CTX4K, invalidDesc, leaf, leafDesc, XN_HI } from './testkit';
import type { MemType } from '../../model/types';

const PA = 0x8000_0000;

describe('facts §2.2 worked values (4K, non-FWB, PA 0x8000_0000)', () => {
  it('page RW non-exec Normal = 0x0040_0000_8000_07FF', () => {
    expect(attrLo(PROT_RW)).toBe(0x7fc);
    expect(C.leafAttrHi(PROT_RW)).toBe(XN_HI);
    expect(leaf(PA, PROT_RW, true)).toEqual([0x8000_07ff, 0x0040_0000]);
    expect(C.encode(leafDesc('page', 3, PA, true, true, false, 'normal'), CTX4K)).toEqual([0x8000_07ff, 0x0040_0000]);
    expect(C.toHex(0x8000_07ff, 0x0040_0000)).toBe('0x00400000800007ff');
  });
  it('same as a 2 MiB block at level 2: low bits 0x7FD', () => {
    expect(leaf(PA, PROT_RW, false)).toEqual([0x8000_07fd, XN_HI]);
    expect(C.encode(leafDesc('block', 2, PA, true, true, false, 'normal'), CTX4K)).toEqual([0x8000_07fd, XN_HI]);
  });
  it('page R+X Normal: low bits 0x77F, XN clear', () => {
    expect(leaf(PA, PROT_R | PROT_X, true)).toEqual([0x8000_077f, 0]);
    expect(C.encode(leafDesc('page', 3, PA, true, false, true, 'normal'), CTX4K)).toEqual([0x8000_077f, 0]);
  });
  it('page RW Device-nGnRE: low bits 0x7C7 plus XN', () => {
    expect(leaf(PA, PROT_RW | PROT_DEVICE, true)).toEqual([0x8000_07c7, XN_HI]);
    expect(C.encode(leafDesc('page', 3, PA, true, true, false, 'device'), CTX4K)).toEqual([0x8000_07c7, XN_HI]);
  });
});

describe('facts §2.3 MemAttr[3:0] per FWB mode, read from the encoded word', () => {
  // [prot flag, memtype, non-FWB value, FWB value]
  const rows: [Prot, MemType, number, number][] = [[0, 'normal', 0xf, 0x6], [PROT_NORMAL_NC, 'nc', 0x5, 0x5], [PROT_DEVICE, 'device', 0x1, 0x1]];
  it.each(rows)('prot flag %i → %s', (flag, memtype, plain, fwbVal) => {
    for (const [fwb, v] of [[false, plain], [true, fwbVal]] as [boolean, number][]) {
      // RW page: valid|page 0x3 + MemAttr<<2 + S2AP 0xC0 + SH 0x300 + AF 0x400
      const want = PA + 0x3 + v * 4 + 0xc0 + 0x300 + 0x400;
      expect(leaf(PA, PROT_RW | flag, true, 12, fwb)[0]).toBe(want);
      const ctx = { ...CTX4K, fwb };
      expect(C.encode(leafDesc('page', 3, PA, true, true, false, memtype), ctx)[0]).toBe(want);
      expect(C.memAttrOf(want)).toBe(v);
      expect(C.memTypeOf(want, fwb)).toBe(memtype);
      expect(C.isCacheable(want, fwb)).toBe(memtype === 'normal');
    }
  });
  it('isCacheable depends on the FWB mode; invalid entries are never cacheable', () => {
    const [plainLo] = leaf(PA, PROT_RW, true, 12, false);
    const [fwbLo] = leaf(PA, PROT_RW, true, 12, true);
    expect(C.isCacheable(plainLo, false)).toBe(true);
    expect(C.isCacheable(plainLo, true)).toBe(false);
    expect(C.memTypeOf(plainLo, true)).toBe('unknown');
    expect(C.isCacheable(fwbLo, true)).toBe(true);
    expect(C.isCacheable(fwbLo, false)).toBe(false);
    expect(C.memTypeOf(fwbLo, false)).toBe('unknown');
    expect(C.isCacheable(plainLo - 1, false)).toBe(false); // valid bit cleared
  });
});

describe('S2AP, SH, AF, XN fields', () => {
  it.each([[0, 0x000], [PROT_R, 0x040], [PROT_W, 0x080], [PROT_RW, 0x0c0]])('prot %i → S2AP bits %i', (prot, s2ap) => {
    const lo = attrLo(prot);
    expect(lo).toBe(0x3c + s2ap + 0x300 + 0x400);
    expect(C.isReadable(lo)).toBe((prot & PROT_R) !== 0);
    expect(C.isWritable(lo)).toBe((prot & PROT_W) !== 0);
  });
  it('SH = 3 (Inner Shareable) and AF = 1 in every leaf; XN iff not X', () => {
    for (const fwb of [false, true]) {
      for (const prot of [0, PROT_R, PROT_RW, PROT_RWX, PROT_X, PROT_DEVICE, PROT_NORMAL_NC | PROT_R]) {
        const [lo, hi] = leaf(PA, prot, true, 12, fwb);
        expect(Math.floor(lo / 0x100) % 4).toBe(3);
        expect(C.isYoung(lo)).toBe(true);
        expect(hi === XN_HI).toBe((prot & PROT_X) === 0);
        expect(C.isExecutable(lo, hi)).toBe((prot & PROT_X) !== 0);
        expect(C.decode(lo, hi, 3, { ...CTX4K, fwb })).toMatchObject({ sh: 3, af: true, dbm: false, cont: false, sw: 0 });
      }
    }
  });
  it('an invalid entry is never executable even with XN clear', () => {
    expect(C.isExecutable(0, 0)).toBe(false);
  });
});

describe('invalid entries: owner annotations in bits [9:2] and LOCKED (facts §2.4)', () => {
  it.each([[0, 0], [1, 0x4], [2, 0x8], [0x7f, 0x1fc], [0xff, 0x3fc]])('owner %i → lo %i', (owner, lo) => {
    expect(C.ownerLo(owner)).toBe(lo);
    expect(C.encode(invalidDesc(3, owner, false), CTX4K)).toEqual([lo, 0]);
    expect(C.isValid(lo)).toBe(false);
    expect(C.ownerOf(lo)).toBe(owner);
    expect(C.isCounted(lo, 0)).toBe(owner !== 0);
    expect(C.isLocked(lo, 0)).toBe(false);
    expect(C.decode(lo, 0, 2, CTX4K)).toEqual(invalidDesc(2, owner, false));
  });
  it('owner field is 8 bits wide', () => {
    expect(C.OWNER_FIELD_MAX).toBe(0xff);
  });
  it('LOCKED is bit 10 alone, invalid, distinct from every owner', () => {
    expect(C.LOCKED_LO).toBe(0x400);
    expect(C.encode(invalidDesc(1, 0, true), CTX4K)).toEqual([0x400, 0]);
    expect(C.isLocked(0x400, 0)).toBe(true);
    expect(C.isValid(0x400)).toBe(false);
    expect(C.decode(0x400, 0, 1, CTX4K)).toEqual(invalidDesc(1, 0, true));
    expect(C.isLocked(0x400, 1)).toBe(false);
    expect(C.isLocked(0x401, 0)).toBe(false); // a valid entry with AF is not LOCKED
    for (let o = 0; o <= 0xff; o++) expect(C.isLocked(C.ownerLo(o), 0)).toBe(false);
  });
  it('zero entry is not counted; leaves and tables are', () => {
    expect(C.isCounted(0, 0)).toBe(false);
    expect(C.isCounted(...leaf(PA, PROT_RW, true))).toBe(true);
    expect(C.isCounted(C.tableLo(0x1000, 12), C.tableHi(0x1000))).toBe(true);
    expect(C.isCounted(0, 1)).toBe(true);
  });
});
