/**
 * The one stage-2 table walker (kvm_pgtable_walk; kvm-s2-facts §4): depth-first over
 * [start, end), visiting entries with LEAF / TABLE_PRE / TABLE_POST through one reused context.
 * The entry is re-read after every callback, so a visitor may install a table and descend into
 * it, or collapse a table into a block and move on.
 */
import { isTable, isValid, oaOf } from './descriptor/codec';
import { EAGAIN, ERANGE } from './errno';
import { S2InputError } from '../model/types';
import { alignDown } from './geometry';
import type { Stage2Pgtable } from './pgtable';

export const WALK_LEAF = 1;
export const WALK_TABLE_PRE = 2;
export const WALK_TABLE_POST = 4;
/**
 * With WALK_LEAF: skip the LEAF visits of invalid entries (zero, owner annotations, LOCKED), for
 * read-only walks that look at valid leaves only. Runs of invalid entries are stepped over in one
 * tight loop instead of one visit each (sparse table pages). Not a kernel flag.
 */
export const WALK_VALID_ONLY = 8;
/** -EAGAIN from a callback ends the walk (fault-handler walks); otherwise it is ignored. */
export const WALK_HANDLE_FAULT = 16;

export type Visit = typeof WALK_LEAF | typeof WALK_TABLE_PRE | typeof WALK_TABLE_POST;

/** What a visitor sees; one object per walk, updated in place (kvm_pgtable_visit_ctx). */
export interface VisitCtx<A> {
  pgt: Stage2Pgtable;
  arg: A;
  /** Page-aligned walk start and end. */
  start: number;
  end: number;
  /** Current address: may be unaligned to the entry's granule when a leaf overlaps the start. */
  addr: number;
  level: number;
  /** Word index of the entry's LO word in pool.words. */
  ptr: number;
  /** The entry's words as read before the callback. */
  oldLo: number;
  oldHi: number;
  flags: number;
}

export type Visitor<A> = (ctx: VisitCtx<A>, visit: Visit) => number;

export interface Walker<A> {
  cb: Visitor<A>;
  flags: number;
}

/** Make a reusable context for `walker` (callers keep one per operation to avoid allocation). */
export function makeCtx<A>(pgt: Stage2Pgtable, arg: A, flags: number): VisitCtx<A> {
  return { pgt, arg, start: 0, end: 0, addr: 0, level: 0, ptr: 0, oldLo: 0, oldHi: 0, flags };
}

/** Whether a walk goes on after `ret` (kvm_pgtable_walk_continue). */
const keepGoing = (flags: number, ret: number): boolean =>
  ret === 0 || (ret === EAGAIN && (flags & WALK_HANDLE_FAULT) === 0);

/**
 * Walk [addr, addr+size) of `ctx.pgt` calling `cb`. Returns 0 or the first stopping error;
 * -ERANGE if the range reaches beyond 2^iaBits (kvm_pgtable_walk / _kvm_pgtable_walk).
 */
export function walk<A>(ctx: VisitCtx<A>, cb: Visitor<A>, addr: number, size: number): number {
  const g = ctx.pgt.geom;
  if (!Number.isFinite(addr)) throw new S2InputError('addr', `not a finite number: ${addr}`);
  if (!Number.isFinite(size)) throw new S2InputError('size', `not a finite number: ${size}`);
  // A negative u64 would wrap to a huge address in the kernel: beyond the IPA space.
  if (addr < 0 || size < 0) return ERANGE;
  const start = addr - (addr % g.granule);
  // PAGE_ALIGN(ALIGN_DOWN(addr) + size), as kvm_pgtable_walk rounds it (facts §1.2).
  const endRaw = start + size;
  const end = endRaw % g.granule === 0 ? endRaw : endRaw - (endRaw % g.granule) + g.granule;
  if (start > g.ipaLimit || end > g.ipaLimit) return ERANGE;
  ctx.start = start;
  ctx.end = end;
  ctx.addr = start;
  const level = g.startLevel;
  let ptr = ctx.pgt.rootPtr(start);
  let ret = 0;
  while (ctx.addr < end) {
    ret = visitEntry(ctx, cb, ptr, level);
    if (!keepGoing(ctx.flags, ret)) return ret;
    ptr += 2;
  }
  return 0;
}

/**
 * Walk every entry of a detached (unlinked) subtree rooted at `page`, a table at `level`
 * covering [addr, addr + granule(level − 1)) — free_unlinked_table / create_unlinked.
 */
export function walkUnlinked<A>(ctx: VisitCtx<A>, cb: Visitor<A>, page: number, level: number, addr: number): number {
  const span = ctx.pgt.geom.granules[level] * ctx.pgt.geom.entries;
  ctx.start = addr;
  ctx.end = addr + span;
  ctx.addr = addr;
  return walkTable(ctx, cb, page, level);
}

function walkTable<A>(ctx: VisitCtx<A>, cb: Visitor<A>, page: number, level: number): number {
  const g = ctx.pgt.geom;
  // (addr >> shift) mod entries: exact power-of-two scaling, ToInt32 keeps the low bits (no float %).
  const idx = ((ctx.addr * g.invGranules[level]) | 0) & (g.entries - 1);
  const base = ctx.pgt.pool.ptrOfPage(page);
  const validOnly = (ctx.flags & WALK_VALID_ONLY) !== 0;
  for (let i = idx; i < g.entries && ctx.addr < ctx.end; i++) {
    if (validOnly) {
      // Step over a run of invalid entries at once: each is a leaf visit the flag skips.
      const words = ctx.pgt.pool.words;
      let j = i;
      while (j < g.entries && !isValid(words[base + 2 * j])) j++;
      if (j > i) {
        ctx.addr = alignDown(ctx.addr, g.granules[level]) + (j - i) * g.granules[level];
        i = j;
        if (i >= g.entries || ctx.addr >= ctx.end) break;
      }
    }
    const ret = visitEntry(ctx, cb, base + 2 * i, level);
    if (!keepGoing(ctx.flags, ret)) return ret;
  }
  return 0;
}

function visitEntry<A>(ctx: VisitCtx<A>, cb: Visitor<A>, ptr: number, level: number): number {
  const pgt = ctx.pgt;
  let words = pgt.pool.words;
  const last = pgt.lastLevel;
  let table = isTable(words[ptr], level, last);
  let ret = 0;
  const visit = table ? WALK_TABLE_PRE : WALK_LEAF;
  if ((ctx.flags & visit) !== 0 && (table || (ctx.flags & WALK_VALID_ONLY) === 0 || isValid(words[ptr]))) {
    setCtx(ctx, ptr, level);
    ret = cb(ctx, visit);
    words = pgt.pool.words; // the callback may have grown the pool
    table = isTable(words[ptr], level, last);
  }
  if (!keepGoing(ctx.flags, ret)) return ret;
  if (!table) {
    const gran = pgt.geom.granules[level];
    ctx.addr = alignDown(ctx.addr, gran) + gran;
    return 0;
  }
  const entryAddr = ctx.addr;
  const child = pgt.pool.pageOfPa(oaOf(words[ptr], words[ptr + 1], pgt.geom.pageShift));
  ret = walkTable(ctx, cb, child, level + 1);
  if (!keepGoing(ctx.flags, ret)) return ret;
  if ((ctx.flags & WALK_TABLE_POST) !== 0) {
    // The POST visit sees the address the table was entered at, as the kernel's ctx snapshot does.
    const progress = ctx.addr;
    setCtx(ctx, ptr, level);
    ctx.addr = entryAddr;
    ret = cb(ctx, WALK_TABLE_POST);
    ctx.addr = progress;
  }
  return ret;
}

function setCtx<A>(ctx: VisitCtx<A>, ptr: number, level: number): void {
  const words = ctx.pgt.pool.words;
  ctx.ptr = ptr;
  ctx.level = level;
  ctx.oldLo = words[ptr];
  ctx.oldHi = words[ptr + 1];
}
