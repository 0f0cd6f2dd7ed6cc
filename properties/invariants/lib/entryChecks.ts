/** Run impl/check per-entry checks (encoding, placement) over only the touched ranges. */
import type { EntryCheck } from '../../../impl/check/scan';
import type { Problem } from '../../../impl/check/problem';
import type { Stage2Pgtable } from '../../../impl/pgtable';
import { forEachEntryIn, type Ranges } from './walk';

/** Problems the checks report on entries overlapping `ranges`. */
export function problemsIn(pgt: Stage2Pgtable, ranges: Ranges, checks: readonly EntryCheck[]): Problem[] {
  forEachEntryIn(pgt, ranges, (e) => { for (const c of checks) c.visit(e); });
  return checks.flatMap((c) => c.finish());
}
