/**
 * Leaf placement (kvm-s2-facts §1.1, §21 items 1–2): blocks only at levels ≥ MIN_BLOCK_LEVEL and
 * below the last level, last-level valid entries carry the page type bit, and a leaf's OA and
 * IPA are aligned to its level's granule.
 */
import { decode, isValid, type CodecCtx } from '../descriptor/codec';
import type { Stage2Pgtable } from '../pgtable';
import { hex, type Problem } from './problem';
import { runEntryChecks, type EntryCheck, type EntryView } from './scan';

/** Problems of one valid non-table entry. */
function leafProblems(pgt: Stage2Pgtable, cc: CodecCtx, e: EntryView): Problem[] {
  const d = decode(e.lo, e.hi, e.level, cc);
  const p = (code: string, message: string): Problem => ({ check: 'placement', code, message: `${hex(e.ipa)} L${e.level}: ${message}`, ipa: e.ipa, level: e.level });
  const out: Problem[] = [];
  const g = pgt.geom;
  if (e.level === pgt.lastLevel && d.kind !== 'page') out.push(p('pageTypeBit', 'last-level valid entry without the page type bit'));
  if (e.level < pgt.lastLevel && e.level < g.minBlockLevel) out.push(p('blockLevel', `block below MIN_BLOCK_LEVEL ${g.minBlockLevel}`));
  const gran = g.granules[e.level];
  if (d.oa % gran !== 0) out.push(p('oaMisaligned', `OA ${hex(d.oa)} not aligned to ${hex(gran)}`));
  if (e.ipa % gran !== 0) out.push(p('ipaMisaligned', `IPA not aligned to ${hex(gran)}`));
  return out;
}

/** The placement check as a scan participant. */
export function placementCheck(pgt: Stage2Pgtable): EntryCheck {
  const cc: CodecCtx = { pageShift: pgt.geom.pageShift, fwb: pgt.fwb, lastLevel: pgt.lastLevel };
  const out: Problem[] = [];
  const visit = (e: EntryView): void => {
    if (e.table || !isValid(e.lo)) return;
    out.push(...leafProblems(pgt, cc, e));
  };
  return { name: 'placement', visit, finish: () => out };
}

/** Placement problems of `pgt`. */
export const checkPlacement = (pgt: Stage2Pgtable): Problem[] => runEntryChecks(pgt, [placementCheck(pgt)]);
