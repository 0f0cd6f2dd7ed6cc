/**
 * The stage-2 hardware walk: what the MMU does with the descriptor words for one guest access
 * (Arm ARM D8 "The AArch64 Virtual Memory System Architecture", stage 2 translation). Not a KVM
 * operation: the raw walk is impl/descriptor/hwWalk.ts; this file validates and gives it meaning.
 */
import { HwTranslateOut, type HwAccess, type HwFault } from './descriptor/hwWalk';
import { S2InputError } from '../model/types';
import type { Stage2Pgtable } from './pgtable';

export type TranslateAccess = 'read' | 'write' | 'exec';
export type TranslateFault = HwFault;

/**
 * Result of one translation; one object is reused across calls (no allocation per access).
 * ok; fault (null when ok); level of the leaf or of the faulting lookup; output PA (ok only);
 * perms and memtype of the leaf when one was reached (ok, accessFlag, permission), else all false
 * and null (decoded from the leaf's words when read); leafSize = bytes the leaf maps, 0 on a
 * translation fault.
 */
export type TranslateOut = HwTranslateOut;

/** A fresh out object for translate (allocate once, reuse). */
export const makeTranslateOut = (): TranslateOut => new HwTranslateOut();

/**
 * Translate `ipa` for `access` and fill `out`. Faults, in Arm ARM priority order:
 * - translation: IPA ≥ 2^iaBits (reported at the start level: the IPA is beyond VTCR_EL2.T0SZ,
 *   and this model has no "level 0" lookup when the start level is higher); an invalid entry,
 *   LOCKED or owner-annotated included; a last-level entry without the type bit; a block at a
 *   level with no block support for the granule (reserved encoding);
 * - accessFlag: AF clear (hardware AF update, VTCR_EL2.HA, is not modelled here);
 * - permission: S2AP R for read, S2AP W for write, XN clear for exec.
 * Source: Arm ARM D8.3 descriptor formats, D8.4/D8.5 stage 2 permissions and AF, fault priority.
 */
export function translate(pgt: Stage2Pgtable, ipa: number, access: TranslateAccess, out: TranslateOut): TranslateOut {
  // NaN, fractions and negatives fail the first test; Infinity the second.
  if (!(ipa >= 0 && ipa === Math.floor(ipa)) || ipa === Infinity) badIpa(ipa);
  const acc: HwAccess = access === 'read' ? 0 : access === 'write' ? 1 : access === 'exec' ? 2 : badAccess(access);
  const pool = pgt.pool;
  pgt.hwTranslate(pool.words, pgt.rootWord, pool.version, pgt.walkMemo, ipa, acc, out);
  return out;
}

function badIpa(ipa: number): never {
  throw new S2InputError('ipa', `must be a non-negative integer, got ${ipa}`);
}

function badAccess(access: unknown): never {
  throw new S2InputError('access', `must be read, write or exec, got ${String(access)}`);
}
