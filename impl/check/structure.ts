/**
 * All structural checks over a stage-2 table in one walk (kvm-s2-facts §21 items 1–8), and the
 * BBM check over a recorded effects log (items 9–15 that a log can show).
 */
import type { EffectEvent } from '../effects';
import type { Stage2Pgtable } from '../pgtable';
import { checkBbm } from './bbm';
import { encodingCheck, type EncodingOptions } from './encoding';
import { placementCheck } from './placement';
import type { Problem } from './problem';
import { emptyTableCheck, refcountCheck } from './refcount';
import { runEntryChecks, type EntryCheck } from './scan';

export interface StructureOptions extends EncodingOptions {
  /** Also require no empty non-root table (true right after a full-range unmap). */
  noEmptyTables?: boolean;
  /** Effects recorded by the last operation: checked for break-before-make. */
  events?: readonly EffectEvent[];
}

/** Every structural problem of `pgt` (and of `opts.events`); empty when sound. Never throws. */
export function checkStructure(pgt: Stage2Pgtable, opts: StructureOptions = {}): Problem[] {
  const checks: EntryCheck[] = [refcountCheck(pgt), placementCheck(pgt), encodingCheck(pgt, opts)];
  if (opts.noEmptyTables) checks.push(emptyTableCheck(pgt));
  const out = runEntryChecks(pgt, checks);
  if (opts.events) out.push(...checkBbm(opts.events, pgt.geom, pgt.lastLevel, pgt.fwb));
  return out;
}

export { checkBbm, isInPlaceChange } from './bbm';
export { checkEncoding } from './encoding';
export { checkPlacement } from './placement';
export { checkNoEmptyTables, checkRefcounts } from './refcount';
export type { CheckName, Problem } from './problem';
