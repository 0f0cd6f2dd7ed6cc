/**
 * Leaf placement (kvm-s2-facts §1.1, §21 items 1–2): blocks only at levels ≥ MIN_BLOCK_LEVEL and
 * below the last level, last-level valid entries carry the page type bit, and a leaf's OA and
 * IPA are aligned to its level's granule.
 */
import { hasTypeBit, isValid, oaOf } from '../descriptor/codec';
import type { Stage2Pgtable } from '../pgtable';
import { hex, type Problem } from './problem';
import { runEntryChecks, type EntryCheck, type EntryView } from './scan';

/** Problems of one valid non-table entry (predicates on the words; no decode on the hot path). */
function leafProblems(pgt: Stage2Pgtable, e: EntryView, out: Problem[]): void {
  const g = pgt.geom;
  const gran = g.granules[e.level];
  const oa = oaOf(e.lo, e.hi, g.pageShift);
  const pageOk = e.level !== pgt.lastLevel || hasTypeBit(e.lo);
  const levelOk = e.level === pgt.lastLevel || e.level >= g.minBlockLevel;
  if (pageOk && levelOk && oa % gran === 0 && e.ipa % gran === 0) return;
  const p = (code: string, message: string): Problem => ({ check: 'placement', code, message: `${hex(e.ipa)} L${e.level}: ${message}`, ipa: e.ipa, level: e.level });
  if (!pageOk) out.push(p('pageTypeBit', 'last-level valid entry without the page type bit'));
  if (!levelOk) out.push(p('blockLevel', `block below MIN_BLOCK_LEVEL ${g.minBlockLevel}`));
  if (oa % gran !== 0) out.push(p('oaMisaligned', `OA ${hex(oa)} not aligned to ${hex(gran)}`));
  if (e.ipa % gran !== 0) out.push(p('ipaMisaligned', `IPA not aligned to ${hex(gran)}`));
}

/** The placement check as a scan participant. */
export function placementCheck(pgt: Stage2Pgtable): EntryCheck {
  const out: Problem[] = [];
  const visit = (e: EntryView): void => {
    if (!e.table && isValid(e.lo)) leafProblems(pgt, e, out);
  };
  return { name: 'placement', visit, finish: () => out };
}

/** Placement problems of `pgt`. */
export const checkPlacement = (pgt: Stage2Pgtable): Problem[] => runEntryChecks(pgt, [placementCheck(pgt)]);
