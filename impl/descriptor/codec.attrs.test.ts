/** Tests of the codec helpers used by the attribute walkers, split and translate (facts §8, §3.4, Arm ARM D8.3). */
import * as C from './codec';
import { PROT_DEVICE, PROT_R, PROT_RW, PROT_RWX, PROT_W, PROT_X } from './prot';
import { leaf, XN_HI } from './testkit';

describe('attribute-walker helpers', () => {
  const [lo, hi] = leaf(0x8000_0000, PROT_R, true); // page R, XN

  it('updateAttrLo/Hi set and clear only inside the leaf attribute fields', () => {
    expect(C.isWritable(C.updateAttrLo(lo, C.ATTR_LO_S2AP_W, 0))).toBe(true);
    expect(C.isYoung(C.updateAttrLo(lo, 0, C.ATTR_LO_AF))).toBe(false);
    // Valid/type bits and the OA are outside the LO attribute field: untouched by set or clear.
    expect(C.updateAttrLo(lo, 0x1, 0xffff_fffe)).toBe(C.updateAttrLo(lo, 0, 0xffc));
    expect(C.isValid(C.updateAttrLo(lo, 0, 0xffff_ffff))).toBe(true);
    expect(C.oaOf(C.updateAttrLo(lo, 0, 0xffff_ffff), C.updateAttrHi(hi, 0, 0xffff_ffff), 12)).toBe(0x8000_0000);
    expect(C.updateAttrHi(hi, 0, XN_HI)).toBe(hi - XN_HI);
  });

  it('relaxSetLo/relaxClrHi map prot to S2AP and XN masks; DEVICE is ignored', () => {
    expect(C.relaxSetLo(PROT_R)).toBe(0x40);
    expect(C.relaxSetLo(PROT_W)).toBe(0x80);
    expect(C.relaxSetLo(PROT_RW | PROT_DEVICE)).toBe(0xc0);
    expect(C.relaxSetLo(PROT_X)).toBe(0);
    expect(C.relaxClrHi(PROT_X)).toBe(XN_HI);
    expect(C.relaxClrHi(PROT_RW)).toBe(0);
    const [rlo, rhi] = [C.updateAttrLo(lo, C.relaxSetLo(PROT_RWX), 0), C.updateAttrHi(hi, 0, C.relaxClrHi(PROT_RWX))];
    expect([C.isReadable(rlo), C.isWritable(rlo), C.isExecutable(rlo, rhi)]).toEqual([true, true, true]);
  });

  it('protSwBits extracts SW0..SW3 (prot bits 55..58)', () => {
    expect(C.protSwBits(PROT_RWX | PROT_DEVICE)).toBe(0);
    expect(C.protSwBits(2 ** 55)).toBe(1);
    expect(C.protSwBits(2 ** 58)).toBe(8);
  });

  it('hasTypeBit: set for pages and tables, clear for blocks and invalid entries', () => {
    expect(C.hasTypeBit(lo)).toBe(true);
    expect(C.hasTypeBit(leaf(0x8000_0000, PROT_R, false)[0])).toBe(false);
    expect(C.hasTypeBit(C.tableLo(0xf000_0000_0000, 12))).toBe(true);
    expect(C.hasTypeBit(C.ownerLo(1))).toBe(false);
    expect(C.hasTypeBit(0x2)).toBe(false);
  });
});
