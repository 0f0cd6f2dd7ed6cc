/**
 * The abstraction function of the implementation: decode the bit-exact tables into the sorted,
 * coalesced Maplet[] the model also produces (style-anchors "What our harness should absorb" §6;
 * pKVM ghost_maplets), plus raw leaf enumeration and owner annotations for invariants.
 */
import * as C from './descriptor/codec';
import { entryBase } from './bbm';
import { makeCtx, walk, WALK_LEAF, type Visit, type VisitCtx } from './walker';
import type { Maplet } from '../model/types';
import type { Stage2Pgtable } from './pgtable';

/** One valid leaf as found in the tables. Passed to `leaves` callbacks; reused, do not retain. */
export interface LeafInfo {
  /** IPA of the start of the leaf's span. */
  ipa: number;
  level: number;
  lo: number;
  hi: number;
}

/** A run of invalid entries annotated with the same non-zero owner id (facts §2.4). */
export interface Annotation {
  ipa: number;
  size: number;
  owner: number;
}

/** Walk every LEAF-visited entry of the whole IPA space, calling `fn` on each. */
function walkAll<A>(pgt: Stage2Pgtable, arg: A, fn: (ctx: VisitCtx<A>) => void): void {
  // One context per call: `leaves` runs caller code inside the walk, which may itself interpret.
  const ctx = makeCtx(pgt, arg, WALK_LEAF);
  walk(ctx, (c: VisitCtx<A>, _visit: Visit) => { fn(c); return 0; }, 0, pgt.geom.ipaLimit);
}

/** Call `fn` for every valid leaf, in ascending IPA order. */
export function leaves(pgt: Stage2Pgtable, fn: (leaf: LeafInfo) => void): void {
  const info: LeafInfo = { ipa: 0, level: 0, lo: 0, hi: 0 };
  walkAll(pgt, info, (ctx) => {
    if (!C.isValid(ctx.oldLo)) return;
    info.ipa = entryBase(ctx);
    info.level = ctx.level;
    info.lo = ctx.oldLo;
    info.hi = ctx.oldHi;
    fn(info);
  });
}

const sameAttrs = (m: Maplet, lo: number, hi: number, leafSize: number, mt: string): boolean =>
  m.leafSize === leafSize && m.memtype === mt && m.af === C.isYoung(lo) &&
  m.perms.r === C.isReadable(lo) && m.perms.w === C.isWritable(lo) && m.perms.x === C.isExecutable(lo, hi);

/**
 * Decode the tables into sorted maplets; adjacent leaves coalesce when IPA and PA are both
 * contiguous and perms, memtype, AF and leaf size are identical. A valid leaf whose MemAttr is
 * none of KVM's encodings is an implementation defect and throws (no Maplet can express it).
 * Source: style-anchors §6 (abstraction function); attributes per facts §2.2–§2.3.
 */
export function interpret(pgt: Stage2Pgtable): Maplet[] {
  const out: Maplet[] = [];
  leaves(pgt, (l) => {
    const size = pgt.geom.granules[l.level];
    const oa = C.oaOf(l.lo, l.hi, pgt.geom.pageShift);
    const pa = oa - (oa % size);
    const mt = C.memTypeOf(l.lo, pgt.fwb);
    if (mt === 'unknown') throw new RangeError(`interpret: leaf at IPA 0x${l.ipa.toString(16)} has an unknown MemAttr (${C.toHex(l.lo, l.hi)})`);
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    if (prev !== undefined && prev.ipa + prev.size === l.ipa && prev.pa + prev.size === pa && sameAttrs(prev, l.lo, l.hi, size, mt)) {
      prev.size += size;
      return;
    }
    out.push({
      ipa: l.ipa, size, pa, memtype: mt, leafSize: size, af: C.isYoung(l.lo),
      perms: { r: C.isReadable(l.lo), w: C.isWritable(l.lo), x: C.isExecutable(l.lo, l.hi) },
    });
  });
  return out;
}

/** Owner-annotated ranges (invalid, non-LOCKED, non-zero owner), coalesced per owner, ascending. */
export function annotations(pgt: Stage2Pgtable): Annotation[] {
  const out: Annotation[] = [];
  walkAll(pgt, null, (ctx) => {
    if (C.isValid(ctx.oldLo) || C.isLocked(ctx.oldLo, ctx.oldHi)) return;
    const owner = C.ownerOf(ctx.oldLo);
    if (owner === 0) return;
    const ipa = entryBase(ctx);
    const size = pgt.geom.granules[ctx.level];
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    if (prev !== undefined && prev.owner === owner && prev.ipa + prev.size === ipa) prev.size += size;
    else out.push({ ipa, size, owner });
  });
  return out;
}
