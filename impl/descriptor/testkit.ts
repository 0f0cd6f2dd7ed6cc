/** Test-only builders for descriptor words and exploded descriptors (used by the codec tests). */
import * as C from './codec';
import type { Prot } from './prot';
import type { MemType } from '../../model/types';

/** 4K granule, non-FWB codec context (facts §2.2 worked values). */
export const CTX4K: C.CodecCtx = { pageShift: 12, fwb: false, lastLevel: 3 };
/** XN (bit 54) as seen in the HI word. */
export const XN_HI = 0x0040_0000;

/** leafAttrLo that throws on EINVAL, for prots known to be valid. */
export function attrLo(prot: Prot, fwb = false): number {
  const a = C.leafAttrLo(prot, fwb);
  if (a === 'EINVAL') throw new Error(`unexpected EINVAL for prot ${prot}`);
  return a;
}

/** A leaf `[lo, hi]` built through the hot-path constructors. */
export const leaf = (pa: number, prot: Prot, page: boolean, pageShift = 12, fwb = false): [number, number] =>
  [C.leafLo(pa, pageShift, attrLo(prot, fwb), page), C.leafHi(pa, C.leafAttrHi(prot))];

/** An exploded leaf as KVM creates it (SH=3, AF=1, no SW/DBM/Contiguous). */
export const leafDesc = (kind: 'page' | 'block', level: number, oa: number, r: boolean, w: boolean, x: boolean, memtype: MemType): C.Descriptor => ({
  kind, level, oa, perms: { r, w, x }, memtype, sh: 3, af: true, sw: 0, owner: 0, locked: false, dbm: false, cont: false,
});

/** An exploded invalid entry (owner annotation or LOCKED). */
export const invalidDesc = (level: number, owner: number, locked: boolean): C.Descriptor => ({
  kind: 'invalid', level, oa: 0, perms: { r: false, w: false, x: false }, memtype: null,
  sh: 0, af: false, sw: 0, owner, locked, dbm: false, cont: false,
});

/** An exploded table descriptor pointing at `oa`. */
export const tableDesc = (level: number, oa: number): C.Descriptor => ({
  kind: 'table', level, oa, perms: { r: false, w: false, x: false }, memtype: null,
  sh: 0, af: false, sw: 0, owner: 0, locked: false, dbm: false, cont: false,
});
