/**
 * stage2Unmap: remove every leaf and annotation in [addr, addr+size) and free tables left empty
 * (kvm_pgtable_stage2_unmap; facts §7). A leaf that only partly overlaps the range is removed
 * whole: the rest of a block is re-faulted lazily. Per-leaf TLBIs are issued as they happen (the
 * v6.8 deferral to one range TLBI under FEAT_TLBIRANGE+FWB is not modelled).
 */
import * as C from '../descriptor/codec';
import { TLBI_LEVEL_UNKNOWN } from '../effects';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_POST, type Visit, type VisitCtx } from '../walker';
import { entryBase } from '../bbm';
import type { Stage2Pgtable } from '../pgtable';

/** Options of an unmap walk; `keepPartialBlocks` exists only for the historical-bug registry. */
export interface UnmapArg {
  keepPartialBlocks: boolean;
}

const arg: UnmapArg = { keepPartialBlocks: false };
let sharedCtx: VisitCtx<UnmapArg> | null = null;
let busy = false;

/** A valid leaf: clear, TLBI at its level, then clean the old granule if it was cacheable. */
function unmapLeaf(ctx: VisitCtx<UnmapArg>): number {
  const pgt = ctx.pgt;
  const gran = pgt.geom.granules[ctx.level];
  const base = entryBase(ctx);
  if (ctx.arg.keepPartialBlocks && (base < ctx.start || base + gran > ctx.end)) return 0;
  pgt.store(ctx.ptr, base, ctx.level, 0, 0);
  pgt.effects.tlbiIpa(base, ctx.level);
  // stage2_unmap_walker: need_flush only without FWB, after the TLBI.
  if (!pgt.fwb && C.isCacheable(ctx.oldLo, pgt.fwb)) {
    pgt.effects.dcacheCleanInvalPoc(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift), gran);
  }
  return 0;
}

/** POST visit of a table: unlink and free it only if it became empty (refcount 1). */
function unmapTablePost(ctx: VisitCtx<UnmapArg>): number {
  const pgt = ctx.pgt;
  const child = pgt.pool.pageOfPa(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift));
  if (pgt.pool.refs[child] !== 1) return 0;
  const base = entryBase(ctx);
  pgt.store(ctx.ptr, base, ctx.level, 0, 0);
  pgt.effects.tlbiIpa(base, TLBI_LEVEL_UNKNOWN);
  pgt.putPage(child);
  return 0;
}

function unmapVisitor(ctx: VisitCtx<UnmapArg>, visit: Visit): number {
  if (visit === WALK_TABLE_POST) return unmapTablePost(ctx);
  if (!C.isCounted(ctx.oldLo, ctx.oldHi)) return 0;
  if (!C.isValid(ctx.oldLo)) {
    clearAnnotation(ctx); // an owner annotation: just drop it
    return 0;
  }
  return unmapLeaf(ctx);
}

function clearAnnotation(ctx: VisitCtx<UnmapArg>): void {
  ctx.pgt.store(ctx.ptr, entryBase(ctx), ctx.level, 0, 0);
}

/** Unmap [addr, addr+size): 0, or -ERANGE beyond iaBits. */
export function stage2Unmap(pgt: Stage2Pgtable, addr: number, size: number, keepPartialBlocks = false): number {
  const ctx = sharedCtx ?? (sharedCtx = makeCtx(pgt, arg, WALK_LEAF | WALK_TABLE_POST));
  if (busy) throw new Error('internal: stage2Unmap re-entered from inside a walk');
  ctx.pgt = pgt;
  arg.keepPartialBlocks = keepPartialBlocks;
  busy = true;
  try {
    return walk(ctx, unmapVisitor, addr, size);
  } finally {
    busy = false;
  }
}
