/** The impl's stage-2 leaves inside one IPA range, decoded into maplet rows (the abstraction function, range-limited). */
import * as C from '../../impl/descriptor/codec';
import { entryBase } from '../../impl/bbm';
import type { Stage2Pgtable } from '../../impl/pgtable';
import { makeCtx, walk, WALK_LEAF, WALK_VALID_ONLY, type VisitCtx } from '../../impl/walker';
import type { MemType } from '../../model/types';
import type { DiffRow } from './diff';
import { SpanList } from './spans';

/** A decoded impl leaf; memtype 'unknown' is a MemAttr no KVM encoding produces (an impl defect). */
export interface ImplLeaf extends Omit<DiffRow, 'memtype'> {
  memtype: MemType | 'unknown';
}

/**
 * Call `fn` for each valid leaf overlapping [start, end), ascending. Same decoding as
 * impl/interpret.ts `interpret` (one abstraction function), but only over the range, so the cost
 * follows what a step touched (issue 5: incremental checks).
 */
export function implLeavesIn(pgt: Stage2Pgtable, start: number, end: number, fn: (leaf: ImplLeaf) => void): void {
  const ctx = makeCtx(pgt, null, WALK_LEAF | WALK_VALID_ONLY);
  const shift = pgt.geom.pageShift;
  walk(ctx, (c: VisitCtx<null>) => {
    const size = pgt.geom.granules[c.level];
    const oa = C.oaOf(c.oldLo, c.oldHi, shift);
    fn({
      ipa: entryBase(c), size, pa: oa - (oa % size), leaf: size, memtype: C.memTypeOf(c.oldLo, pgt.fwb),
      perms: { r: C.isReadable(c.oldLo), w: C.isWritable(c.oldLo), x: C.isExecutable(c.oldLo, c.oldHi) },
    });
    return 0;
  }, start, end - start);
}

/** Where leafSpanVisitor appends: flat [start, end) pairs, each leaf clipped to [lo, hi). */
interface SpanSink { out: SpanList; lo: number; hi: number }

function leafSpanVisitor(c: VisitCtx<SpanSink>): number {
  const s = c.arg;
  const ipa = entryBase(c);
  s.out.push(Math.max(s.lo, ipa), Math.min(s.hi, ipa + c.pgt.geom.granules[c.level]));
  return 0;
}

/** One walk context for every leafSpansIn call (made on first use); its sink is re-aimed per call. */
let spanCtx: VisitCtx<SpanSink> | null = null;

/**
 * Append to `out` each valid leaf overlapping [start, end), clipped to it, as flat [a, b) pairs in
 * ascending order. No closure or tuple per call or leaf (the touched computation runs every step).
 */
export function leafSpansIn(pgt: Stage2Pgtable, start: number, end: number, out: SpanList): void {
  const ctx = (spanCtx ??= makeCtx<SpanSink>(pgt, { out, lo: 0, hi: 0 }, WALK_LEAF | WALK_VALID_ONLY));
  ctx.pgt = pgt;
  ctx.arg.out = out;
  ctx.arg.lo = start;
  ctx.arg.hi = end;
  walk(ctx, leafSpanVisitor, start, end - start);
}

/** The impl's leaf covering `ipa`, or null. */
export function implLeafAt(pgt: Stage2Pgtable, ipa: number): ImplLeaf | null {
  const g = pgt.geom.granule;
  const page = ipa - (ipa % g);
  let found: ImplLeaf | null = null;
  implLeavesIn(pgt, page, page + g, (l) => { found = { ...l, perms: { ...l.perms } }; });
  return found;
}
