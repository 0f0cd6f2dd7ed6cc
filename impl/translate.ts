/**
 * The stage-2 hardware walk: what the MMU does with the descriptor words for one guest access
 * (Arm ARM D8 "The AArch64 Virtual Memory System Architecture", stage 2 translation). Not a KVM
 * operation: the raw walk is impl/descriptor/hwWalk.ts; this file validates and gives it meaning.
 */
import * as C from './descriptor/codec';
import { HW_OK, HW_TRANSLATION, hwWalkFor, makeHwWalkOut, makeWalkPlan, memTypeByAttr, type HwAccess, type HwWalkFn, type WalkPlan } from './descriptor/hwWalk';
import { S2InputError, type Perms } from '../model/types';
import type { Stage2Pgtable } from './pgtable';

export type TranslateAccess = 'read' | 'write' | 'exec';
export type TranslateFault = 'translation' | 'permission' | 'accessFlag';

/** Result of one translation; one object is reused across calls (no allocation per access). */
export interface TranslateOut {
  ok: boolean;
  /** The stage-2 fault, or null when ok. */
  fault: TranslateFault | null;
  /** Level of the leaf (ok) or of the faulting lookup. */
  level: number;
  /** Output PA of the access (ok only). */
  pa: number;
  /** Permissions of the leaf when one was reached (ok, accessFlag, permission); all false otherwise. */
  perms: Perms;
  /** Memory type of the leaf when one was reached, else null. */
  memtype: C.DecodedMemType | null;
  /** Bytes the leaf maps (page or block size), 0 on translation fault. */
  leafSize: number;
}

/** A fresh out object for translate (allocate once, reuse). */
export const makeTranslateOut = (): TranslateOut => ({
  ok: false, fault: null, level: -1, pa: 0, perms: { r: false, w: false, x: false }, memtype: null, leafSize: 0,
});

/** Fault of each walk status (HW_OK → null). */
const FAULTS: readonly (TranslateFault | null)[] = [null, 'translation', 'accessFlag', 'permission'];
const hw = makeHwWalkOut();
const MEMTYPE = memTypeByAttr(false);
const MEMTYPE_FWB = memTypeByAttr(true);

/** Walk plans per table (geometry and pool window are fixed for a table's lifetime). */
const plans = new WeakMap<Stage2Pgtable, WalkPlan>();
let lastPgt: Stage2Pgtable | null = null;
let lastPlan = null as unknown as WalkPlan; // valid whenever lastPgt is non-null
let lastWalk = null as unknown as HwWalkFn; // the specialised walk of lastPlan

function planOf(pgt: Stage2Pgtable): WalkPlan {
  let plan = plans.get(pgt);
  if (plan === undefined) {
    const g = pgt.geom;
    plan = makeWalkPlan(g.pageShift, g.startLevel, g.minBlockLevel, g.shifts, g.indexMasks, pgt.pool.tableBaseHigh);
    plans.set(pgt, plan);
  }
  lastPgt = pgt;
  lastPlan = plan;
  lastWalk = hwWalkFor(plan);
  return plan;
}

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
  if (ipa >= pgt.geom.ipaLimit) return fail(out, 'translation', pgt.geom.startLevel);
  const plan = pgt === lastPgt ? lastPlan : planOf(pgt);
  const pool = pgt.pool;
  const st = lastWalk(pool.words, pgt.rootPage << pool.wordShift, (ipa * plan.invSplit) | 0, (ipa >>> 0) & plan.lowMask, acc, hw);
  return st === HW_TRANSLATION ? fail(out, 'translation', hw.level) : leaf(pgt, st, out);
}

/** Fill `out` from the leaf the walk reached (status ok, access flag or permission). */
function leaf(pgt: Stage2Pgtable, st: number, out: TranslateOut): TranslateOut {
  const lo = hw.lo;
  const perms = out.perms;
  perms.r = C.isReadable(lo);
  perms.w = C.isWritable(lo);
  perms.x = C.isExecutable(lo, hw.hi);
  out.memtype = (pgt.fwb ? MEMTYPE_FWB : MEMTYPE)[C.memAttrOf(lo)];
  out.leafSize = pgt.geom.granules[hw.level];
  out.level = hw.level;
  out.ok = st === HW_OK;
  out.fault = FAULTS[st];
  out.pa = st === HW_OK ? hw.pa : 0;
  return out;
}

function badIpa(ipa: number): never {
  throw new S2InputError('ipa', `must be a non-negative integer, got ${ipa}`);
}

function badAccess(access: unknown): never {
  throw new S2InputError('access', `must be read, write or exec, got ${String(access)}`);
}

/** A fault before any leaf: no perms, memtype or leaf size. */
function fail(out: TranslateOut, fault: TranslateFault, level: number): TranslateOut {
  out.ok = false;
  out.fault = fault;
  out.level = level;
  out.pa = 0;
  out.perms.r = out.perms.w = out.perms.x = false;
  out.memtype = null;
  out.leafSize = 0;
  return out;
}
