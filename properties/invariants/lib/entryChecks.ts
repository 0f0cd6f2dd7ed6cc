/** Run impl/check per-entry checks (encoding, placement) over only the touched ranges. */
import { encodingCheck } from '../../../impl/check/encoding';
import { placementCheck } from '../../../impl/check/placement';
import type { EntryCheck } from '../../../impl/check/scan';
import type { Problem } from '../../../impl/check/problem';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import { forEachEntryIn, perWalk, type Ranges } from './walk';

/** Problems the checks report on entries overlapping `ranges`. */
export function problemsIn(pgt: Stage2Pgtable, ranges: Ranges, checks: readonly EntryCheck[]): Problem[] {
  if (checks.length === 1) { // the invariants' case: no fan-out closure, no flattening
    const c = checks[0];
    forEachEntryIn(pgt, ranges, (e) => c.visit(e));
    return c.finish();
  }
  forEachEntryIn(pgt, ranges, (e) => { for (const c of checks) c.visit(e); });
  return checks.flatMap((c) => c.finish());
}

/** Owner ids the invariants accept in annotations (the 8-bit owner field; pKVM host stage 2 uses small ids). */
export const MAX_OWNER = 0xff;

const encodingProblems = (pgt: Stage2Pgtable, ranges: Ranges): Problem[] => problemsIn(pgt, ranges, [encodingCheck(pgt, { maxOwner: MAX_OWNER })]);
const placementProblems = (pgt: Stage2Pgtable, ranges: Ranges): Problem[] => problemsIn(pgt, ranges, [placementCheck(pgt)]);

/** encodingCheck(pgt, {maxOwner: MAX_OWNER}) problems over `ranges`, once per walk (shared: read-only). */
export const encodingProblemsIn = (pgt: Stage2Pgtable, ranges: Ranges): readonly Problem[] => perWalk(pgt, ranges, encodingProblems);

/** placementCheck(pgt) problems over `ranges`, once per walk (shared: read-only). */
export const placementProblemsIn = (pgt: Stage2Pgtable, ranges: Ranges): readonly Problem[] => perWalk(pgt, ranges, placementProblems);
