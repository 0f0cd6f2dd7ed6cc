/** Range-limited walks of the impl's stage 2 through the one walker: only the step's touched IPA ranges. */
import { entryBase } from '../../../impl/bbm';
import { isTable, isValid, oaOf } from '../../../impl/descriptor/codec';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_PRE, type Visit, type VisitCtx } from '../../../impl/walker';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import type { EntryView } from '../../../impl/check/scan';

export type Ranges = readonly (readonly [number, number])[];

/** A valid leaf: start IPA of its span, level, size, words (forEachLeafIn reuses one object: do not retain). */
export interface Leaf {
  ipa: number;
  level: number;
  size: number;
  lo: number;
  hi: number;
}

interface Arg { fn: (e: EntryView) => void; view: EntryView }

function visitor(ctx: VisitCtx<Arg>, _v: Visit): number {
  const v = ctx.arg.view;
  const pgt = ctx.pgt;
  v.lo = ctx.oldLo;
  v.hi = ctx.oldHi;
  v.ipa = entryBase(ctx);
  v.level = ctx.level;
  v.ptr = ctx.ptr;
  v.page = pgt.pool.pageOfPtr(ctx.ptr);
  v.table = isTable(v.lo, ctx.level, pgt.lastLevel);
  v.child = v.table ? pgt.pool.pageOfPa(oaOf(v.lo, v.hi, pgt.geom.pageShift)) : -1;
  ctx.arg.fn(v);
  return 0;
}

/**
 * The last walk's entries (struct of arrays, reused), valid while its table, version and ranges are
 * unchanged; `leaves` indexes its valid leaves; `derived` holds values computed from it (perWalk).
 */
const memo = {
  pgt: null as Stage2Pgtable | null, version: -1, ranges: [] as number[], nRanges: 0, n: 0,
  ipa: [] as number[], level: [] as number[], ptr: [] as number[], page: [] as number[], lo: [] as number[], hi: [] as number[], child: [] as number[], table: [] as boolean[],
  leaves: [] as number[], nLeaves: 0,
  derived: new Map<(pgt: Stage2Pgtable, ranges: Ranges) => unknown, unknown>(),
};

/** Replays in progress: a walk asked for inside one must not rebuild the memo it is reading. */
let replaying = 0;

function memoHolds(pgt: Stage2Pgtable, ranges: Ranges): boolean {
  if (memo.pgt !== pgt || memo.version !== pgt.pool.version || memo.nRanges !== ranges.length) return false;
  for (let i = 0; i < ranges.length; i++) if (memo.ranges[2 * i] !== ranges[i][0] || memo.ranges[2 * i + 1] !== ranges[i][1]) return false;
  return true;
}

function record(e: EntryView): void {
  const k = memo.n++;
  memo.ipa[k] = e.ipa; memo.level[k] = e.level; memo.ptr[k] = e.ptr; memo.page[k] = e.page;
  memo.lo[k] = e.lo; memo.hi[k] = e.hi; memo.child[k] = e.child; memo.table[k] = e.table;
  if (!e.table && isValid(e.lo)) memo.leaves[memo.nLeaves++] = k;
}

/** Make the memo hold the walk of `ranges` on `pgt`; false when it cannot (inside a replay of other ranges). */
function ensure(pgt: Stage2Pgtable, ranges: Ranges): boolean {
  if (memoHolds(pgt, ranges)) return true;
  if (replaying > 0) return false;
  memo.pgt = null;
  memo.n = 0;
  memo.nLeaves = 0;
  memo.derived.clear();
  walkRanges(pgt, ranges, record, newView());
  memo.pgt = pgt;
  memo.version = pgt.pool.version;
  memo.nRanges = ranges.length;
  for (let i = 0; i < ranges.length; i++) { memo.ranges[2 * i] = ranges[i][0]; memo.ranges[2 * i + 1] = ranges[i][1]; }
  return true;
}

const newView = (): EntryView => ({ ipa: 0, level: 0, ptr: 0, page: 0, lo: 0, hi: 0, table: false, child: -1 });

/**
 * Show every entry (tables before children, invalid entries too) overlapping `ranges`, clipped to
 * the IPA space. Cost is the entries of the touched spans, not what is mapped elsewhere; the
 * invariants of one step ask for the same ranges of the same unchanged table, so the walk is done
 * once and replayed (keyed by table, its pool's version and the ranges' values).
 * Source: kvm_pgtable_walk over a range (facts §4).
 */
export function forEachEntryIn(pgt: Stage2Pgtable, ranges: Ranges, fn: (e: EntryView) => void): void {
  const view = newView();
  if (!ensure(pgt, ranges)) return walkRanges(pgt, ranges, fn, view); // a walk inside a replay's callback: leave the memo alone
  replaying++;
  try {
    for (let k = 0, n = memo.n; k < n; k++) {
      view.ipa = memo.ipa[k]; view.level = memo.level[k]; view.ptr = memo.ptr[k]; view.page = memo.page[k];
      view.lo = memo.lo[k]; view.hi = memo.hi[k]; view.child = memo.child[k]; view.table = memo.table[k];
      fn(view);
    }
  } finally {
    replaying--;
  }
}

/** The uncached walk of `ranges`, clipped to the IPA space. */
function walkRanges(pgt: Stage2Pgtable, ranges: Ranges, fn: (e: EntryView) => void, view: EntryView): void {
  const ctx = makeCtx<Arg>(pgt, { fn, view }, WALK_LEAF | WALK_TABLE_PRE);
  const limit = pgt.geom.ipaLimit;
  for (const [a, b] of ranges) {
    const start = Math.max(0, a);
    const end = Math.min(limit, b);
    if (start < end) walk(ctx, visitor, start, end - start);
  }
}

/** Every valid leaf overlapping `ranges` (a leaf straddling two ranges may be shown twice). */
export function forEachLeafIn(pgt: Stage2Pgtable, ranges: Ranges, fn: (l: Leaf) => void): void {
  const leaf: Leaf = { ipa: 0, level: 0, size: 0, lo: 0, hi: 0 };
  const gran = pgt.geom.granules;
  if (!ensure(pgt, ranges)) {
    walkRanges(pgt, ranges, (e) => {
      if (e.table || !isValid(e.lo)) return;
      leaf.ipa = e.ipa; leaf.level = e.level; leaf.size = gran[e.level]; leaf.lo = e.lo; leaf.hi = e.hi;
      fn(leaf);
    }, newView());
    return;
  }
  replaying++;
  try {
    for (let j = 0, n = memo.nLeaves; j < n; j++) {
      const k = memo.leaves[j];
      leaf.ipa = memo.ipa[k]; leaf.level = memo.level[k]; leaf.size = gran[memo.level[k]]; leaf.lo = memo.lo[k]; leaf.hi = memo.hi[k];
      fn(leaf);
    }
  } finally {
    replaying--;
  }
}

/**
 * `compute(pgt, ranges)` once per walk: a value derived only from the entries of `ranges` on `pgt`
 * (e.g. the table pages they lie in), kept with the memo (the function is the key) and dropped
 * when the memo is rebuilt. Pass a module-level function (no closure per call). The value is
 * shared by every caller of the same walk: treat it as read-only.
 */
export function perWalk<T>(pgt: Stage2Pgtable, ranges: Ranges, compute: (pgt: Stage2Pgtable, ranges: Ranges) => T): T {
  if (!ensure(pgt, ranges)) return compute(pgt, ranges);
  const known = memo.derived.get(compute);
  if (known !== undefined || memo.derived.has(compute)) return known as T;
  const v = compute(pgt, ranges);
  if (memoHolds(pgt, ranges)) memo.derived.set(compute, v);
  return v;
}

function leafList(pgt: Stage2Pgtable, ranges: Ranges): Leaf[] {
  const out: Leaf[] = [];
  if (!memoHolds(pgt, ranges)) { // inside a replay of other ranges: the uncached walk
    forEachLeafIn(pgt, ranges, (l) => { out.push({ ipa: l.ipa, level: l.level, size: l.size, lo: l.lo, hi: l.hi }); });
    return out;
  }
  const gran = pgt.geom.granules;
  for (let j = 0; j < memo.nLeaves; j++) {
    const k = memo.leaves[j];
    out.push({ ipa: memo.ipa[k], level: memo.level[k], size: gran[memo.level[k]], lo: memo.lo[k], hi: memo.hi[k] });
  }
  return out;
}

/**
 * The valid leaves overlapping `ranges`, in walk order (a leaf straddling two ranges may appear
 * twice), as one list per walk shared by every invariant of the step: loop over it, no callback.
 * Read-only, like every perWalk value.
 */
export function leavesIn(pgt: Stage2Pgtable, ranges: Ranges): readonly Readonly<Leaf>[] {
  return perWalk(pgt, ranges, leafList);
}
