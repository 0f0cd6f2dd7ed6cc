/**
 * Break-before-make: the only way a live entry is replaced (stage2_try_break_pte /
 * stage2_make_pte; kvm-s2-facts §6). Break writes the LOCKED marker and invalidates the TLB for
 * what the old entry mapped; make publishes the new entry over a LOCKED one.
 */
import { isLocked, isTable, isValid, LOCKED_LO } from './descriptor/codec';
import { TLBI_LEVEL_UNKNOWN } from './effects';
import type { VisitCtx } from './walker';

/** Start address of the span the current entry covers. */
export function entryBase<A>(ctx: VisitCtx<A>): number {
  const gran = ctx.pgt.geom.granules[ctx.level];
  return ctx.addr - (ctx.addr % gran);
}

/**
 * Break the entry at ctx.ptr: store LOCKED, then TLBI — by IPA at the entry's level for a leaf,
 * over the table's whole span for a table (range TLBI, v6.8+). Exclusive walks cannot lose the
 * race, so this always succeeds; the boolean mirrors the kernel helper's contract.
 */
export function tryBreak<A>(ctx: VisitCtx<A>, skipTlbi = false): boolean {
  const pgt = ctx.pgt;
  const base = entryBase(ctx);
  pgt.store(ctx.ptr, base, ctx.level, LOCKED_LO, 0);
  if (isValid(ctx.oldLo) && !skipTlbi) {
    if (!isTable(ctx.oldLo, ctx.level, pgt.lastLevel)) pgt.effects.tlbiIpa(base, ctx.level);
    else if (pgt.bugs.has('table-zap-tlbi-level')) pgt.effects.tlbiIpa(base, ctx.level); // the table's own level as hint (impl/bugs.ts)
    else if (pgt.bugs.has('collapse-tlbi-one-address')) pgt.effects.tlbiIpa(base, TLBI_LEVEL_UNKNOWN); // one IPA only (impl/bugs.ts)
    else pgt.effects.tlbiRange(base, pgt.geom.granules[ctx.level]);
  }
  return true;
}

/** Publish `lo`/`hi` over a broken (LOCKED) entry. */
export function make<A>(ctx: VisitCtx<A>, lo: number, hi: number): void {
  const words = ctx.pgt.pool.words;
  if (!isLocked(words[ctx.ptr], words[ctx.ptr + 1])) {
    throw new Error('internal: make() on an entry that was not broken first');
  }
  ctx.pgt.store(ctx.ptr, entryBase(ctx), ctx.level, lo, hi);
}

/**
 * Replace the entry by a table (block → table in map's E2BIG path and in split): break, then make.
 * With `split-without-bbm` (facts §22 M12) a valid block is overwritten by the table pointer
 * directly: no LOCKED entry, no TLBI. Source: stage2_map_walk_leaf / stage2_split_walker (facts §6).
 */
export function publishTable<A>(ctx: VisitCtx<A>, lo: number, hi: number): void {
  if (ctx.pgt.bugs.has('split-without-bbm') && isValid(ctx.oldLo)) {
    ctx.pgt.store(ctx.ptr, entryBase(ctx), ctx.level, lo, hi);
    return;
  }
  tryBreak(ctx);
  make(ctx, lo, hi);
}
