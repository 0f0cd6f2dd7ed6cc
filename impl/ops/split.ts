/**
 * stage2Split: eager splitting of blocks into tables of pages with the same output and attributes
 * (kvm_pgtable_stage2_split / stage2_split_walker; facts §9). The subtree is built unlinked
 * (no CMO, no TLBI), then the block is broken and the table published (facts §6 block → table).
 */
import * as C from '../descriptor/codec';
import { ENOMEM } from '../errno';
import { entryBase, publishTable } from '../bbm';
import { makeCtx, walk, walkUnlinked, WALK_LEAF, type Visit, type VisitCtx } from '../walker';
import { freeUnlinked } from './freeUnlinked';
import type { Stage2Pgtable } from '../pgtable';

/** What the unlinked subtree maps (kvm_pgtable_stage2_create_unlinked arguments). */
interface BuildArg {
  pa: number;
  attrLo: number;
  attrHi: number;
  /** Leaves only at the last level; otherwise leaves one level below the block. */
  forcePte: boolean;
}

const build: BuildArg = { pa: 0, attrLo: 0, attrHi: 0, forcePte: true };
let buildCtx: VisitCtx<BuildArg> | null = null;
let splitCtx: VisitCtx<null> | null = null;

/** LEAF visit inside the unlinked subtree: every entry starts zero, so plain stores suffice (no BBM). */
function buildVisitor(ctx: VisitCtx<BuildArg>, _visit: Visit): number {
  const pgt = ctx.pgt;
  const a = ctx.arg;
  const shift = pgt.geom.pageShift;
  const isPage = ctx.level === pgt.lastLevel;
  if (isPage || !a.forcePte) {
    const pa = a.pa + (ctx.addr - ctx.start);
    pgt.store(ctx.ptr, ctx.addr, ctx.level, C.leafLo(pa, shift, a.attrLo, isPage), C.leafHi(pa, a.attrHi));
    return 0;
  }
  const child = pgt.allocTable(ctx.level + 1);
  if (child < 0) return ENOMEM;
  const tpa = pgt.pool.paOfPage(child);
  pgt.store(ctx.ptr, ctx.addr, ctx.level, C.tableLo(tpa, shift), C.tableHi(tpa));
  return 0; // the walker re-reads the entry and descends into the new table
}

/** Table pages to split a block at `level` fully down to pages (stage2_block_get_nr_page_tables). */
function pagesForFullSplit(pgt: Stage2Pgtable, level: number): number {
  let n = 0;
  for (let l = level + 1, per = 1; l <= pgt.lastLevel; l++, per *= pgt.geom.entries) n += per;
  return n;
}

/** LEAF visit: replace a valid block by a pre-populated table; pages and invalid entries are skipped. */
function splitVisitor(ctx: VisitCtx<null>, _visit: Visit): number {
  const pgt = ctx.pgt;
  const level = ctx.level;
  if (level === pgt.lastLevel || !C.isValid(ctx.oldLo)) return 0;
  const g = pgt.geom;
  // A short memcache splits one level only (force_pte off); the walk then visits the new blocks.
  const avail = pgt.pool.maxPages - pgt.pool.pagesInUse;
  if (avail < 1) return ENOMEM;
  const gran = g.granules[level];
  const base = entryBase(ctx);
  const oa = C.oaOf(ctx.oldLo, ctx.oldHi, g.pageShift);
  build.pa = oa - (oa % gran);
  // Same decoded attributes, AF set as on any new leaf (kvm_pgtable_stage2_pte_prot → create_unlinked).
  build.attrLo = C.withAf(C.attrLoOf(ctx.oldLo), true);
  build.attrHi = C.attrHiOf(ctx.oldHi);
  build.forcePte = avail >= pagesForFullSplit(pgt, level);
  const child = pgt.allocTable(level + 1);
  if (child < 0) return ENOMEM;
  const bctx = buildCtx ?? (buildCtx = makeCtx(pgt, build, WALK_LEAF));
  bctx.pgt = pgt;
  const ret = walkUnlinked(bctx, buildVisitor, child, level + 1, base);
  if (ret !== 0) {
    freeUnlinked(pgt, child, level + 1, base);
    return ret;
  }
  const tpa = pgt.pool.paOfPage(child);
  publishTable(ctx, C.tableLo(tpa, g.pageShift), C.tableHi(tpa));
  return 0;
}

/**
 * Split every valid block overlapping [addr, addr+size) into a table fully populated down to
 * pages (one level only when the page cap cannot hold the full subtree). Returns 0, -ENOMEM
 * (cap reached: the block being split is left unchanged; blocks already split stay split) or
 * -ERANGE. Source: kvm_pgtable_stage2_split, arch/arm64/kvm/hyp/pgtable.c (facts §9).
 */
export function stage2Split(pgt: Stage2Pgtable, addr: number, size: number): number {
  const ctx = splitCtx ?? (splitCtx = makeCtx(pgt, null, WALK_LEAF));
  ctx.pgt = pgt;
  return walk(ctx, splitVisitor, addr, size);
}
