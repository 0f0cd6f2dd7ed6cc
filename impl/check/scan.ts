/**
 * Run several per-entry checks in one full-range walk of a stage-2 table through the one walker
 * (impl/walker.ts): every linked entry is shown once, tables before their children.
 */
import { entryBase } from '../bbm';
import { isTable, oaOf } from '../descriptor/codec';
import { makeCtx, walk, WALK_LEAF, WALK_TABLE_PRE, type Visit, type VisitCtx } from '../walker';
import type { Stage2Pgtable } from '../pgtable';
import { hex, type CheckName, type Problem } from './problem';

/** One entry as a check sees it; the object is reused between entries. */
export interface EntryView {
  /** Start of the entry's span. */
  ipa: number;
  level: number;
  /** Word index of the LO word; the page holding it is `page`. */
  ptr: number;
  page: number;
  lo: number;
  hi: number;
  /** Valid table descriptor above the last level (the walker descends into it next). */
  table: boolean;
  /** For a table: the pool page it points at (always inside the pool: else the scan stops). */
  child: number;
}

/** A check fed by the scan: `visit` per entry, then `finish` returns its problems. */
export interface EntryCheck {
  readonly name: CheckName;
  visit(e: EntryView): void;
  finish(): Problem[];
}

interface ScanArg {
  checks: readonly EntryCheck[];
  view: EntryView;
  /** Visits left: a sound tree shows each entry of each page once, so more means shared pages. */
  budget: number;
}

/** Walk return codes that stop a scan of a corrupt tree: shared pages (the walk would revisit
 * them without end) or a table pointer leading outside the pool. */
const OVER_BUDGET = -100000;
const OUTSIDE_POOL = -100001;

/** The pool page a table entry points at, or -1 when it is not a page of the pool. */
function childPage(pgt: Stage2Pgtable, lo: number, hi: number): number {
  const page = pgt.pool.pageOfPa(oaOf(lo, hi, pgt.geom.pageShift));
  return Number.isInteger(page) && page >= 0 && page < pgt.pool.refs.length ? page : -1;
}

function scanVisitor(ctx: VisitCtx<ScanArg>, _visit: Visit): number {
  if (--ctx.arg.budget < 0) return OVER_BUDGET;
  const v = ctx.arg.view;
  // A corrupt table pointer may lead outside the pool: read missing words as 0.
  v.lo = ctx.oldLo ?? 0;
  v.hi = ctx.oldHi ?? 0;
  v.ipa = entryBase(ctx);
  v.level = ctx.level;
  v.ptr = ctx.ptr;
  v.page = ctx.pgt.pool.pageOfPtr(ctx.ptr);
  v.table = isTable(v.lo, ctx.level, ctx.pgt.lastLevel);
  v.child = v.table ? childPage(ctx.pgt, v.lo, v.hi) : -1;
  for (const c of ctx.arg.checks) c.visit(v);
  return v.table && v.child < 0 ? OUTSIDE_POOL : 0;
}

/** Walk the whole IPA space once, feeding every check; then collect their problems. */
export function runEntryChecks(pgt: Stage2Pgtable, checks: readonly EntryCheck[]): Problem[] {
  const view: EntryView = { ipa: 0, level: 0, ptr: 0, page: 0, lo: 0, hi: 0, table: false, child: -1 };
  const budget = pgt.geom.rootEntries + pgt.pool.refs.length * pgt.geom.entries;
  const ctx = makeCtx<ScanArg>(pgt, { checks, view, budget }, WALK_LEAF | WALK_TABLE_PRE);
  const out: Problem[] = [];
  try {
    const ret = walk(ctx, scanVisitor, 0, pgt.geom.ipaLimit);
    if (ret === OVER_BUDGET) {
      out.push({ check: 'walk', code: 'walkOverBudget', message: `stopped after ${budget} visits: table pages are linked more than once` });
    } else if (ret === OUTSIDE_POOL) {
      const v = ctx.arg.view;
      out.push({ check: 'walk', code: 'tableOutsidePool', ipa: v.ipa, level: v.level, message: `stopped: table entry at ${hex(v.ipa)} L${v.level} points outside the pool` });
    } else if (ret !== 0) out.push({ check: 'walk', code: 'walkFailed', message: `full-range walk returned ${ret}` });
  } catch (e) {
    out.push({ check: 'walk', code: 'walkThrew', message: `full-range walk threw: ${String(e)}` });
  }
  for (const c of checks) out.push(...c.finish());
  return out;
}
