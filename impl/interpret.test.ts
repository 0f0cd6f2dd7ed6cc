/** Tests of the abstraction function: decoding, sorting and coalescing of maplets; leaves; annotations. */
import { recorded, tablePageAt } from './ops/testkit';
import { stage2Map } from './ops/map';
import { stage2SetOwner } from './ops/owner';
import { stage2TestClearYoung } from './ops/attrs';
import { annotations, interpret, leaves, type LeafInfo } from './interpret';
import { PROT_DEVICE, PROT_R, PROT_RW, PROT_RWX } from './descriptor/prot';
import * as C from './descriptor/codec';
import type { Maplet } from '../model/types';

const MIB = 2 ** 20;
const IPA = 0x4000_0000;
const PA = 0x8000_0000;
const RW = { r: true, w: true, x: false };
const m = (ipa: number, size: number, pa: number, leafSize: number, extra: Partial<Maplet> = {}): Maplet =>
  ({ ipa, size, pa, perms: RW, memtype: 'normal', leafSize, af: true, ...extra });

describe('interpret', () => {
  it('coalesces adjacent pages with contiguous PAs and equal attributes', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    stage2Map(pgt, IPA + 0x1000, 0x2000, PA + 0x1000, PROT_RW);
    expect(interpret(pgt)).toEqual([m(IPA, 0x3000, PA, 0x1000)]);
  });

  it('does not coalesce across a PA gap, a perms, memtype or AF difference, or an IPA hole', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    stage2Map(pgt, IPA + 0x1000, 0x1000, PA + 0x5000, PROT_RW); // PA gap
    stage2Map(pgt, IPA + 0x2000, 0x1000, PA + 0x6000, PROT_R); // perms
    stage2Map(pgt, IPA + 0x3000, 0x1000, PA + 0x7000, PROT_R | PROT_DEVICE); // memtype
    stage2Map(pgt, IPA + 0x4000, 0x1000, PA + 0x8000, PROT_R | PROT_DEVICE);
    stage2TestClearYoung(pgt, IPA + 0x4000, 0x1000, true); // AF
    stage2Map(pgt, IPA + 0x6000, 0x1000, PA + 0x9000, PROT_R | PROT_DEVICE); // IPA hole: PA and attrs continue
    stage2TestClearYoung(pgt, IPA + 0x6000, 0x1000, true);
    const ro = { r: true, w: false, x: false };
    expect(interpret(pgt)).toEqual([
      m(IPA, 0x1000, PA, 0x1000),
      m(IPA + 0x1000, 0x1000, PA + 0x5000, 0x1000),
      m(IPA + 0x2000, 0x1000, PA + 0x6000, 0x1000, { perms: ro }),
      m(IPA + 0x3000, 0x1000, PA + 0x7000, 0x1000, { perms: ro, memtype: 'device' }),
      m(IPA + 0x4000, 0x1000, PA + 0x8000, 0x1000, { perms: ro, memtype: 'device', af: false }),
      m(IPA + 0x6000, 0x1000, PA + 0x9000, 0x1000, { perms: ro, memtype: 'device', af: false }),
    ]);
  });

  it('coalesces equal-size blocks but never a block with pages, and sorts by IPA', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA + 4 * MIB, 0x1000, PA + 4 * MIB, PROT_RWX); // mapped first, sorts last
    stage2Map(pgt, IPA, 4 * MIB, PA, PROT_RWX); // two 2 MiB blocks
    const rwx = { r: true, w: true, x: true };
    expect(interpret(pgt)).toEqual([
      m(IPA, 4 * MIB, PA, 2 * MIB, { perms: rwx }),
      m(IPA + 4 * MIB, 0x1000, PA + 4 * MIB, 0x1000, { perms: rwx }),
    ]);
  });

  it('is empty for an empty table and ignores annotations', () => {
    const { pgt } = recorded();
    expect(interpret(pgt)).toEqual([]);
    stage2SetOwner(pgt, IPA, 0x1000, 1);
    expect(interpret(pgt)).toEqual([]);
  });

  it('throws on a valid leaf with a MemAttr KVM never writes (an implementation defect)', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA, 0x1000, PA, PROT_RW);
    const fwbAttr = C.leafAttrLo(PROT_RW, true) as number; // FWB Normal-WB in a non-FWB table
    const ptr = pgt.pool.ptrOfPage(tablePageAt(pgt, IPA, 3));
    pgt.store(ptr, IPA, 3, C.leafLo(PA, 12, fwbAttr, true), C.leafHi(PA, C.leafAttrHi(PROT_RW)));
    expect(() => interpret(pgt)).toThrow(/unknown MemAttr/);
  });
});

describe('leaves / annotations', () => {
  it('leaves enumerates every valid leaf in IPA order with its words and level', () => {
    const { pgt } = recorded();
    stage2Map(pgt, IPA + 2 * MIB, 2 * MIB, PA, PROT_R);
    stage2Map(pgt, IPA, 0x2000, PA, PROT_RW);
    stage2SetOwner(pgt, IPA + 0x3000, 0x1000, 1);
    const seen: LeafInfo[] = [];
    leaves(pgt, (l) => seen.push({ ...l }));
    expect(seen.map((l) => [l.ipa, l.level])).toEqual([[IPA, 3], [IPA + 0x1000, 3], [IPA + 2 * MIB, 2]]);
    expect(seen.every((l) => C.isValid(l.lo))).toBe(true);
    expect(C.oaOf(seen[1].lo, seen[1].hi, 12)).toBe(PA + 0x1000);
  });

  it('annotations coalesces runs per owner', () => {
    const { pgt } = recorded();
    stage2SetOwner(pgt, IPA, 0x2000, 1);
    stage2SetOwner(pgt, IPA + 0x2000, 0x1000, 2, { maxOwnerId: 0xff });
    stage2SetOwner(pgt, IPA + 0x3000, 0x1000, 1);
    stage2SetOwner(pgt, IPA + 0x5000, 0x1000, 1);
    expect(annotations(pgt)).toEqual([
      { ipa: IPA, size: 0x2000, owner: 1 },
      { ipa: IPA + 0x2000, size: 0x1000, owner: 2 },
      { ipa: IPA + 0x3000, size: 0x1000, owner: 1 },
      { ipa: IPA + 0x5000, size: 0x1000, owner: 1 },
    ]);
  });
});
