/** Output-address placement and table descriptors per granule (kvm-s2-facts §2.1, §4). */
import * as C from './codec';
import { PROT_RW } from './prot';
import { attrLo, CTX4K, leaf, leafDesc, tableDesc, XN_HI } from './testkit';

const ctxFor = (pageShift: number, fwb = false): C.CodecCtx => ({ pageShift, fwb, lastLevel: 3 });
const TOP = 2 ** 48;

describe('table descriptors: OA | type | valid, no attributes', () => {
  it('4K table at PA 0x12_3456_7000', () => {
    const pa = 0x12_3456_7000;
    expect(C.tableLo(pa, 12)).toBe(0x3456_7003);
    expect(C.tableHi(pa)).toBe(0x12);
    expect(C.encode(tableDesc(1, pa), CTX4K)).toEqual([0x3456_7003, 0x12]);
    expect(C.oaOf(0x3456_7003, 0x12, 12)).toBe(pa);
  });
  it('isTable only above the last level; the same bits at level 3 are a page', () => {
    const lo = C.tableLo(0x4000, 12);
    for (const level of [0, 1, 2]) {
      expect(C.isTable(lo, level, 3)).toBe(true);
      expect(C.decode(lo, 0, level, CTX4K)).toEqual(tableDesc(level, 0x4000));
    }
    expect(C.isTable(lo, 3, 3)).toBe(false);
    expect(C.decode(lo, 0, 3, CTX4K).kind).toBe('page');
  });
  it('a block (type clear) and an invalid entry are not tables', () => {
    const [blockLo] = leaf(0x4000_0000, PROT_RW, false);
    expect(C.isTable(blockLo, 1, 3)).toBe(false);
    expect(C.decode(blockLo, XN_HI, 1, CTX4K).kind).toBe('block');
    expect(C.isTable(0x2, 1, 3)).toBe(false); // type bit without valid
    expect(C.decode(0x2, 0, 1, CTX4K).kind).toBe('invalid');
  });
  it('a last-level entry without the type bit decodes as a (reserved) block', () => {
    const [blockLo, blockHi] = leaf(0x5000, PROT_RW, false);
    expect(C.decode(blockLo, blockHi, 3, CTX4K).kind).toBe('block');
  });
});

describe('16K and 64K OA placement: OA[47:PAGE_SHIFT] in place', () => {
  it('16K page at 0x1_8000_C000', () => {
    const pa = 0x1_8000_c000;
    const ctx = ctxFor(14);
    const words = C.encode(leafDesc('page', 3, pa, true, true, false, 'normal'), ctx);
    expect(words).toEqual([0x8000_c7ff, XN_HI + 1]);
    expect(C.oaOf(words[0], words[1], 14)).toBe(pa);
    expect(C.decode(words[0], words[1], 3, ctx).oa).toBe(pa);
  });
  it('64K page at 0xABCD_1234_0000: bits [15:12] (OA[51:48]) stay zero', () => {
    const pa = 0xabcd_1234_0000;
    const [lo, hi] = leaf(pa, PROT_RW, true, 16);
    expect([lo, hi]).toEqual([0x1234_07ff, XN_HI + 0xabcd]);
    expect(Math.floor(lo / 0x1000) % 16).toBe(0);
    expect(C.oaOf(lo, hi, 16)).toBe(pa);
  });
  it('OA below the page size is dropped (phys rounded down to the page)', () => {
    expect(C.leafLo(0x8000_1fff, 12, attrLo(PROT_RW), true)).toBe(0x8000_17ff);
    expect(C.leafLo(0x8000_3fff, 14, attrLo(PROT_RW), true)).toBe(0x8000_07ff);
    expect(C.leafLo(0x8000_ffff, 16, attrLo(PROT_RW), true)).toBe(0x8000_07ff);
    expect(C.tableLo(0x1_0000_ffff, 16)).toBe(0x3);
  });
  it('64K table descriptor', () => {
    expect(C.encode(tableDesc(2, 0x7fff_0000), ctxFor(16))).toEqual([0x7fff_0003, 0]);
  });
});

describe('OA up to 2^48 − page in every granule', () => {
  it.each([12, 14, 16])('pageShift %i', (pageShift) => {
    const page = 2 ** pageShift;
    const pa = TOP - page;
    const [lo, hi] = leaf(pa, PROT_RW, true, pageShift);
    expect(lo).toBe(2 ** 32 - page + 0x7ff);
    expect(hi).toBe(XN_HI + 0xffff);
    expect(lo).toBeGreaterThan(0); // words are unsigned
    expect(C.oaOf(lo, hi, pageShift)).toBe(pa);
    const ctx = ctxFor(pageShift);
    expect(C.decode(lo, hi, 3, ctx)).toEqual(leafDesc('page', 3, pa, true, true, false, 'normal'));
    expect(C.tableLo(pa, pageShift)).toBe(2 ** 32 - page + 3);
    expect(C.oaOf(C.tableLo(pa, pageShift), C.tableHi(pa), pageShift)).toBe(pa);
    expect(C.toHex(lo, hi)).toBe('0x0040ffff' + (2 ** 32 - page + 0x7ff).toString(16));
  });
});
