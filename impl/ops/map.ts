/**
 * stage2Map: install leaves for [addr, addr+size) → phys (kvm_pgtable_stage2_map; facts §5).
 *
 * Protocol, per visited entry:
 *  - TABLE_PRE: if a block is allowed here for the rest of the range, break the table entry
 *    (range TLBI over its span), install the block, then free the detached subtree.
 *  - LEAF: if a leaf is allowed here, build it; an existing valid leaf that differs only in
 *    permissions is left alone (-EAGAIN: the fault path relaxes permissions instead); otherwise
 *    break, clean caches for the new leaf, make. If a leaf is not allowed (E2BIG), replace the
 *    entry by an empty table: a replaced block's remainder stays unmapped and is re-faulted.
 *  The walker re-reads the entry afterwards and descends into a freshly installed table.
 */
import * as C from '../descriptor/codec';
import { E2BIG, EAGAIN, EINVAL, ENOMEM } from '../errno';
import { makeCtx, walk, WALK_HANDLE_FAULT, WALK_LEAF, WALK_TABLE_PRE, type Visit, type VisitCtx } from '../walker';
import { entryBase, make, publishTable, tryBreak } from '../bbm';
import { freeUnlinked } from './freeUnlinked';
import type { Stage2Pgtable } from '../pgtable';
import type { Prot } from '../descriptor/prot';

export interface MapOptions {
  /** Leaves only at the last level (pKVM force_pte_cb; always for annotations). */
  forcePte?: boolean;
  /** KVM_PGTABLE_WALK_HANDLE_FAULT: -EAGAIN ends the walk and is returned. */
  handleFault?: boolean;
  /** No memcache (a NULL mc, as 6.1's kvm_set_spte_gfn passes): a missing table is -ENOMEM, none is allocated. */
  noMemcache?: boolean;
}

/** Per-call state of a map walk (stage2_map_data). `owner` ≥ 0 selects annotation mode. */
interface MapArg {
  phys: number;
  attrLo: number;
  attrHi: number;
  owner: number;
  forcePte: boolean;
  noMemcache: boolean;
}

const arg: MapArg = { phys: 0, attrLo: 0, attrHi: 0, owner: -1, forcePte: false, noMemcache: false };
let sharedCtx: VisitCtx<MapArg> | null = null;
/** The shared context makes map non-re-entrant (e.g. from an Effects callback): guard it. */
let busy = false;

/** Whether a leaf may be installed at this entry (stage2_leaf_mapping_allowed; facts §5.1). */
function leafAllowed(ctx: VisitCtx<MapArg>): boolean {
  const g = ctx.pgt.geom;
  const level = ctx.level;
  const last = level === ctx.pgt.lastLevel;
  const gran = g.granules[level];
  if (!last && (level < g.minBlockLevel || ctx.arg.forcePte)) return false;
  if (gran > ctx.end - ctx.addr || ctx.addr % gran !== 0) return false;
  return ctx.arg.owner >= 0 || physAt(ctx) % gran === 0;
}

const physAt = (ctx: VisitCtx<MapArg>): number => ctx.arg.phys + (ctx.addr - ctx.start);

/** Try to install the leaf for this entry; E2BIG when it must become a table (stage2_map_walker_try_leaf). */
function tryLeaf(ctx: VisitCtx<MapArg>): number {
  if (!leafAllowed(ctx)) return E2BIG;
  const pgt = ctx.pgt;
  const a = ctx.arg;
  const isPage = ctx.level === pgt.lastLevel;
  const pa = physAt(ctx);
  // owner-on-valid (seed 004): set_owner leaves a live mapping in place instead of breaking it.
  if (a.owner >= 0 && C.isValid(ctx.oldLo) && pgt.bugs.has('owner-on-valid')) return 0;
  const lo = a.owner >= 0 ? C.ownerLo(a.owner) : C.leafLo(pa, pgt.geom.pageShift, a.attrLo, isPage);
  const hi = a.owner >= 0 ? 0 : C.leafHi(pa, a.attrHi);
  if (C.differsOnlyInPerms(ctx.oldLo, ctx.oldHi, lo, hi)) return EAGAIN; // stage2_pte_needs_update
  if (!tryBreak(ctx)) return EAGAIN;
  const gran = pgt.geom.granules[ctx.level];
  // CMOs before the new leaf becomes visible (stage2_map_walker_try_leaf; facts §5.2 step 4).
  // Under FWB the D-cache clean is a no-op (__clean_dcache_guest_page returns early).
  if (!pgt.fwb && C.isCacheable(lo, pgt.fwb) && !pgt.bugs.has('map-without-dcache-clean')) pgt.effects.dcacheCleanInvalPoc(pa, gran);
  if (C.isExecutable(lo, hi) && !pgt.bugs.has('exec-map-without-icache-inval')) pgt.effects.icacheInvalPou(pa, gran);
  make(ctx, lo, hi);
  return 0;
}

/** LEAF visit: install a leaf, or replace the entry by an empty table to descend into. */
function mapLeaf(ctx: VisitCtx<MapArg>): number {
  const ret = tryLeaf(ctx);
  if (ret !== E2BIG) return ret;
  const pgt = ctx.pgt;
  if (ctx.level === pgt.lastLevel) return EINVAL;
  if (ctx.arg.noMemcache) return ENOMEM; // stage2_map_walk_leaf: no memcache to take a table from
  const child = pgt.allocTable(ctx.level + 1);
  if (child < 0) return ENOMEM;
  const pa = pgt.pool.paOfPage(child);
  publishTable(ctx, C.tableLo(pa, pgt.geom.pageShift), C.tableHi(pa)); // exclusive walk: break cannot fail
  return 0;
}

/** TABLE_PRE visit: collapse the table into a block when one is allowed here (facts §5.3). */
function mapTablePre(ctx: VisitCtx<MapArg>): number {
  if (!leafAllowed(ctx)) return 0;
  const pgt = ctx.pgt;
  const child = pgt.pool.pageOfPa(C.oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift));
  const base = entryBase(ctx);
  const ret = tryLeaf(ctx);
  if (ret === 0) freeUnlinked(pgt, child, ctx.level + 1, base);
  return ret;
}

function mapVisitor(ctx: VisitCtx<MapArg>, visit: Visit): number {
  return visit === WALK_TABLE_PRE ? mapTablePre(ctx) : mapLeaf(ctx);
}

/** Run a map walk with the module's reusable context (map is not re-entrant). */
export function mapWalk(pgt: Stage2Pgtable, addr: number, size: number, handleFault: boolean): number {
  const flags = WALK_LEAF | WALK_TABLE_PRE | (handleFault ? WALK_HANDLE_FAULT : 0);
  const ctx = sharedCtx ?? (sharedCtx = makeCtx(pgt, arg, flags));
  if (busy) throw new Error('internal: stage2Map re-entered from inside a walk');
  ctx.pgt = pgt;
  ctx.flags = flags;
  busy = true;
  try {
    return walk(ctx, mapVisitor, addr, size);
  } finally {
    busy = false;
  }
}

/**
 * Map [addr, addr+size) to phys with `prot`. addr is rounded down and size up to pages; phys is
 * rounded down to a page. Returns 0, -EAGAIN (same mapping present; with handleFault only),
 * -ENOMEM, -EINVAL (bad prot), -ERANGE (beyond iaBits).
 */
export function stage2Map(pgt: Stage2Pgtable, addr: number, size: number, phys: number, prot: Prot, opts: MapOptions = {}): number {
  const attrLo = C.leafAttrLo(prot, pgt.fwb);
  if (attrLo === 'EINVAL') return EINVAL;
  arg.phys = phys - (phys % pgt.geom.granule);
  arg.attrLo = attrLo;
  arg.attrHi = C.leafAttrHi(prot);
  arg.owner = -1;
  arg.forcePte = opts.forcePte === true;
  arg.noMemcache = opts.noMemcache === true;
  return mapWalk(pgt, addr, size, opts.handleFault === true);
}

/** Annotate [addr, addr+size) with `owner` as invalid entries at page granularity (set_owner). */
export function stage2MapAnnotation(pgt: Stage2Pgtable, addr: number, size: number, owner: number): number {
  arg.phys = 0;
  arg.attrLo = 0;
  arg.attrHi = 0;
  arg.owner = owner;
  arg.forcePte = true;
  arg.noMemcache = false;
  return mapWalk(pgt, addr, size, false);
}
