/** Free a detached subtree after a table→block collapse (kvm_pgtable_stage2_free_unlinked; facts §5.3). */
import { isTable, oaOf } from '../descriptor/codec';
import { makeCtx, walkUnlinked, WALK_TABLE_POST, type Visit, type VisitCtx } from '../walker';
import type { Stage2Pgtable } from '../pgtable';

function freeVisitor(ctx: VisitCtx<null>, _visit: Visit): number {
  const pgt = ctx.pgt;
  if (isTable(ctx.oldLo, ctx.level, pgt.lastLevel)) {
    pgt.releaseDetached(pgt.pool.pageOfPa(oaOf(ctx.oldLo, ctx.oldHi, pgt.geom.pageShift)));
  }
  return 0;
}

/** Free `page` (a table at `level` whose span starts at `addr`) and every table below it. */
export function freeUnlinked(pgt: Stage2Pgtable, page: number, level: number, addr: number): void {
  const ctx = makeCtx(pgt, null, WALK_TABLE_POST);
  walkUnlinked(ctx, freeVisitor, page, level, addr);
  pgt.releaseDetached(page);
}
