/** stage2GetLeaf and stage2Destroy: the read-one-leaf walk and the drop-everything walk (kvm_pgtable_get_leaf / _stage2_destroy). */
import * as C from '../descriptor/codec';
import { entryBase } from '../bbm';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_POST, type Visit, type VisitCtx } from '../walker';
import { ERANGE } from '../errno';
import { tableIndex } from '../geometry';
import type { Stage2Pgtable } from '../pgtable';

/** The entry that covers an address: a leaf or an invalid entry, and its level. */
export interface LeafOut {
  lo: number;
  hi: number;
  /** Level of the entry, or -1 when the walk failed. */
  level: number;
  valid: boolean;
}

/** Create an out object for stage2GetLeaf (reuse it across calls). */
export const makeLeafOut = (): LeafOut => ({ lo: 0, hi: 0, level: -1, valid: false });

let leafCtx: VisitCtx<LeafOut> | null = null;
let destroyCtx: VisitCtx<null> | null = null;

function leafVisitor(ctx: VisitCtx<LeafOut>, _visit: Visit): number {
  const out = ctx.arg;
  out.lo = ctx.oldLo;
  out.hi = ctx.oldHi;
  out.level = ctx.level;
  out.valid = C.isValid(ctx.oldLo);
  return 0;
}

/**
 * Fill `out` with the entry covering `addr` (a leaf, or the invalid entry where the walk ends).
 * Returns 0 or -ERANGE (then `out` is zero with level -1). Source: kvm_pgtable_get_leaf (facts §3.4).
 */
export function stage2GetLeaf(pgt: Stage2Pgtable, addr: number, out: LeafOut): number {
  out.lo = 0;
  out.hi = 0;
  out.level = -1;
  out.valid = false;
  const ctx = leafCtx ?? (leafCtx = makeCtx(pgt, out, WALK_LEAF));
  ctx.pgt = pgt;
  ctx.arg = out;
  return walk(ctx, leafVisitor, addr, 1);
}

/** The table entries a walk to one address passes through, level by level (reuse it across calls). */
export interface PathOut {
  /** How many table entries were passed. */
  n: number;
  readonly level: Int32Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

export const makePathOut = (): PathOut => ({ n: 0, level: new Int32Array(4), lo: new Int32Array(4), hi: new Int32Array(4) });

/**
 * Fill `out` with the table entries on the walk to `addr` (what a walk cache may keep): 0, or
 * -ERANGE. A direct descent (no visitor: it runs on every TLB miss). Source: kvm_pgtable_walk's
 * descent (facts §4).
 */
export function stage2GetPath(pgt: Stage2Pgtable, addr: number, out: PathOut): number {
  out.n = 0;
  const g = pgt.geom;
  if (!(addr >= 0 && addr < g.ipaLimit)) return ERANGE;
  const words = pgt.pool.words;
  let ptr = pgt.rootPtr(addr);
  for (let level = g.startLevel; level < pgt.lastLevel; level++) {
    const lo = words[ptr];
    const hi = words[ptr + 1];
    if (!C.isTable(lo, level, pgt.lastLevel)) break;
    out.level[out.n] = level;
    out.lo[out.n] = lo;
    out.hi[out.n] = hi;
    out.n++;
    const child = pgt.pool.ptrOfPage(pgt.pool.pageOfPa(C.oaOf(lo, hi, g.pageShift)));
    ptr = child + 2 * tableIndex(g, addr, level + 1);
  }
  return 0;
}

/** LEAF and POST visit: drop the reference an entry holds on its page, and for a table the child itself. */
function destroyVisitor(ctx: VisitCtx<null>, visit: Visit): number {
  const pgt = ctx.pgt;
  if (!C.isCounted(ctx.oldLo, ctx.oldHi)) return 0;
  const page = pgt.pool.pageOfPtr(ctx.ptr);
  const inRoot = page >= pgt.rootPage && page < pgt.rootPage + pgt.geom.rootPages;
  // Root entries are cleared so the kept root stays a consistent empty table; entries of freed
  // pages are not stored (the kernel does not clear them either: the tables are unreachable).
  if (inRoot) pgt.store(ctx.ptr, entryBase(ctx), ctx.level, 0, 0);
  else pgt.putPage(page);
  if (visit === WALK_TABLE_POST) pgt.putPage(pgt.pool.pageOfPa(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift)));
  return 0;
}

/**
 * Drop every reference over the whole IPA space and free every non-root table page; no TLBI
 * (the VM is gone, nothing can walk the tables). Divergence: the kernel also frees the root
 * here; this library keeps the (now all-zero) root so the object stays usable, and frees it
 * only in reset(). Afterwards pool.pagesInUse === geom.rootPages and every root ref is 1.
 * Source: kvm_pgtable_stage2_destroy / stage2_free_walker (facts §3.4).
 */
export function stage2Destroy(pgt: Stage2Pgtable): void {
  const ctx = destroyCtx ?? (destroyCtx = makeCtx(pgt, null, WALK_LEAF | WALK_TABLE_POST));
  ctx.pgt = pgt;
  walk(ctx, destroyVisitor, 0, pgt.geom.ipaLimit);
}
