/**
 * stage2Unmap: remove every leaf and annotation in [addr, addr+size) and free tables left empty
 * (kvm_pgtable_stage2_unmap; facts §7). A leaf that only partly overlaps the range is removed
 * whole: the rest of a block is re-faulted lazily. With FWB and FEAT_TLBIRANGE (pgt.tlbiRange)
 * the per-leaf TLBIs are deferred to one range TLBI over [addr, addr+size) after the walk
 * (stage2_unmap_defer_tlb_flush, v6.8); table-entry removal still invalidates at once.
 */
import * as C from '../descriptor/codec';
import { TLBI_LEVEL_UNKNOWN } from '../effects';
import { alignDown } from '../geometry';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_POST, WALK_TABLE_PRE, type Visit, type VisitCtx } from '../walker';
import type { Stage2Pgtable } from '../pgtable';

/** Options of an unmap walk; `keepPartialBlocks` exists only for the historical-bug registry. */
export interface UnmapArg {
  keepPartialBlocks: boolean;
  /** Per-leaf TLBIs deferred to one range TLBI after the walk (stage2_unmap_defer_tlb_flush). */
  deferTlbi: boolean;
}

const arg: UnmapArg = { keepPartialBlocks: false, deferTlbi: false };
let sharedCtx: VisitCtx<UnmapArg> | null = null;
let busy = false;

/** Start address of the span the current entry covers. */
const entryBase = (ctx: VisitCtx<UnmapArg>): number => alignDown(ctx.addr, ctx.pgt.geom.granules[ctx.level]);

/** A valid leaf: clear, TLBI at its level (unless deferred), then clean the old granule if cacheable. */
function unmapLeaf(ctx: VisitCtx<UnmapArg>): number {
  const pgt = ctx.pgt;
  const gran = pgt.geom.granules[ctx.level];
  const base = entryBase(ctx);
  if (ctx.arg.keepPartialBlocks && (base < ctx.start || base + gran > ctx.end)) return 0;
  pgt.store(ctx.ptr, base, ctx.level, 0, 0);
  if (!ctx.arg.deferTlbi) pgt.effects.tlbiIpa(base, ctx.level);
  // stage2_unmap_walker: need_flush only without FWB, after the TLBI.
  if (!pgt.fwb && C.isCacheable(ctx.oldLo, pgt.fwb) && !pgt.bugs.has('unmap-without-dcache-clean')) {
    pgt.effects.dcacheCleanInvalPoc(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift), gran);
  }
  return 0;
}

/** Clear a table entry and drop its (now empty) child: store 0, TLBI, put_page (stage2_unmap_put_pte). */
function removeTable(ctx: VisitCtx<UnmapArg>, child: number): void {
  const pgt = ctx.pgt;
  const base = entryBase(ctx);
  pgt.store(ctx.ptr, base, ctx.level, 0, 0);
  // A table's TLBI carries no level hint; `table-zap-tlbi-level` passes the table's own.
  pgt.effects.tlbiIpa(base, pgt.bugs.has('table-zap-tlbi-level') ? ctx.level : TLBI_LEVEL_UNKNOWN);
  pgt.putPage(child);
}

/** POST visit of a table: unlink and free it only if it became empty (refcount 1). */
function unmapTablePost(ctx: VisitCtx<UnmapArg>): number {
  const pgt = ctx.pgt;
  const child = pgt.pool.pageOfPa(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift));
  if (pgt.pool.refs[child] === 1) removeTable(ctx, child);
  return 0;
}

/**
 * PRE visit of a table (fast path, only when per-leaf work is "clear + drop a ref": TLBIs
 * deferred, FWB so no CMO, no store-by-store recording, no unmap-altering bug). A table whose
 * span lies inside the range and whose child holds no tables loses every entry of its child in
 * the per-entry walk and is then freed by the POST visit; do exactly that in one go: zero the
 * child page (refcount back to 1), then remove the table entry as the POST visit would. The
 * walker re-reads the entry, finds it invalid and moves on without descending.
 */
function unmapTablePre(ctx: VisitCtx<UnmapArg>): number {
  const pgt = ctx.pgt;
  const g = pgt.geom;
  const base = entryBase(ctx);
  if (base < ctx.start || base + g.granules[ctx.level] > ctx.end) return 0;
  const pool = pgt.pool;
  const child = pool.pageOfPa(C.oaOf(ctx.oldLo, ctx.oldHi, g.pageShift));
  const first = pool.ptrOfPage(child);
  const words = pool.words;
  const childLevel = ctx.level + 1;
  if (childLevel < pgt.lastLevel) {
    for (let p = first; p < first + pool.wordsPerPage; p += 2) if (C.isTable(words[p], childLevel, pgt.lastLevel)) return 0;
  }
  pool.clearPage(child);
  pool.refs[child] = 1;
  removeTable(ctx, child);
  return 0;
}

function unmapVisitor(ctx: VisitCtx<UnmapArg>, visit: Visit): number {
  if (visit === WALK_TABLE_POST) return unmapTablePost(ctx);
  if (visit === WALK_TABLE_PRE) return unmapTablePre(ctx);
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
  const bugs = pgt.bugs; // read once per call
  arg.keepPartialBlocks = keepPartialBlocks || bugs.has('partial-block-unmap-keeps-block'); // facts §22 M17
  // stage2_unmap_defer_tlb_flush: system_supports_tlb_range() && stage2_has_fwb(pgt) (v6.8).
  arg.deferTlbi = pgt.fwb && pgt.tlbiRange;
  const fast = arg.deferTlbi && !arg.keepPartialBlocks && !pgt.effects.recordsStores && !pgt.annotationNotCounted;
  ctx.flags = WALK_LEAF | WALK_TABLE_POST | (fast ? WALK_TABLE_PRE : 0);
  busy = true;
  let ret: number;
  try {
    ret = walk(ctx, unmapVisitor, addr, size);
  } finally {
    busy = false;
  }
  // kvm_pgtable_stage2_unmap: the deferred invalidation, over the range as requested.
  if (arg.deferTlbi && addr >= 0 && size >= 0) pgt.effects.tlbiRange(addr, size);
  return ret;
}
