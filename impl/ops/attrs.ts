/**
 * Leaf-attribute walkers: wrprotect, relax_perms, mkyoung and test_clear_young, all through one
 * generic update-leaf-attrs visitor (stage2_update_leaf_attrs / stage2_attr_walker; facts §8).
 * Updates are in place (no break-before-make): only permissions and AF change (facts §6).
 */
import * as C from '../descriptor/codec';
import { EAGAIN, EINVAL } from '../errno';
import { TLBI_LEVEL_UNKNOWN } from '../effects';
import { entryBase } from '../bbm';
import { makeCtx, walk, WALK_HANDLE_FAULT, WALK_LEAF, type Visit, type VisitCtx } from '../walker';
import { S2InputError } from '../../model/types';
import type { Prot } from '../descriptor/prot';
import type { Stage2Pgtable } from '../pgtable';

/** What an attribute walk reports about the last valid leaf it visited (kvm_pgtable_stage2_mkyoung's old PTE). */
export interface AttrOut {
  /** Words of the leaf before the update; 0/0 when no valid leaf was visited. */
  oldLo: number;
  oldHi: number;
  /** Level of that leaf, or -1. */
  level: number;
}

/** Per-walk data (stage2_attr_data): masks in, observations out. */
interface AttrArg extends AttrOut {
  setLo: number;
  setHi: number;
  clrLo: number;
  clrHi: number;
  /** Some visited valid leaf had AF set before the update (stage2_age_walker). */
  young: boolean;
}

const arg: AttrArg = { setLo: 0, setHi: 0, clrLo: 0, clrHi: 0, oldLo: 0, oldHi: 0, level: -1, young: false };
let sharedCtx: VisitCtx<AttrArg> | null = null;

/** LEAF visit: pte' = (pte & ~clr) | set on a valid leaf; an invalid one is -EAGAIN (v6.1+). */
function attrVisitor(ctx: VisitCtx<AttrArg>, _visit: Visit): number {
  const pgt = ctx.pgt;
  const a = ctx.arg;
  if (!C.isValid(ctx.oldLo)) return EAGAIN;
  a.oldLo = ctx.oldLo;
  a.oldHi = ctx.oldHi;
  a.level = ctx.level;
  if (C.isYoung(ctx.oldLo)) a.young = true;
  const lo = C.updateAttrLo(ctx.oldLo, a.setLo, a.clrLo);
  const hi = C.updateAttrHi(ctx.oldHi, a.setHi, a.clrHi);
  if (lo === ctx.oldLo && hi === ctx.oldHi) return 0;
  // The I-cache must not hold stale lines once the leaf becomes executable (facts §10). The
  // table carries no DIC flag, so the invalidate is always issued (the CPU makes it a no-op).
  if (C.isExecutable(lo, hi) && !C.isExecutable(ctx.oldLo, ctx.oldHi)) {
    const gran = pgt.geom.granules[ctx.level];
    const oa = C.oaOf(lo, hi, pgt.geom.pageShift);
    pgt.effects.icacheInvalPou(oa - (oa % gran), gran);
  }
  pgt.store(ctx.ptr, entryBase(ctx), ctx.level, lo, hi);
  return 0;
}

/**
 * Update the attributes of every valid leaf in [addr, addr+size): set/clear masks from codec.
 * Returns the walk's result; -EAGAIN (invalid leaf) stops it only with `handleFault`.
 * Source: stage2_update_leaf_attrs, arch/arm64/kvm/hyp/pgtable.c.
 */
function updateLeafAttrs(pgt: Stage2Pgtable, addr: number, size: number, setLo: number, setHi: number, clrLo: number, clrHi: number, handleFault: boolean): number {
  const flags = WALK_LEAF | (handleFault ? WALK_HANDLE_FAULT : 0);
  const ctx = sharedCtx ?? (sharedCtx = makeCtx(pgt, arg, flags));
  ctx.pgt = pgt;
  ctx.flags = flags;
  arg.setLo = setLo; arg.setHi = setHi; arg.clrLo = clrLo; arg.clrHi = clrHi;
  arg.oldLo = 0; arg.oldHi = 0; arg.level = -1; arg.young = false;
  return walk(ctx, attrVisitor, addr, size);
}

function copyOut(out: AttrOut | undefined): void {
  if (out === undefined) return;
  out.oldLo = arg.oldLo;
  out.oldHi = arg.oldHi;
  out.level = arg.level;
}

/**
 * Clear S2AP W in every valid leaf of [addr, addr+size). No TLBI: the caller flushes.
 * Returns 0 or -ERANGE. Source: kvm_pgtable_stage2_wrprotect (facts §3.4, §8).
 */
export function stage2Wrprotect(pgt: Stage2Pgtable, addr: number, size: number): number {
  return updateLeafAttrs(pgt, addr, size, 0, 0, C.ATTR_LO_S2AP_W, 0, false);
}

/**
 * Add R/W/X from `prot` to the leaf covering `addr` (never removes a permission; DEVICE/NC bits
 * are ignored), then TLBI that IPA with the leaf's level hint (unknown when the walk returned
 * -EAGAIN, which still flushes). Returns 0, -EAGAIN (no valid leaf), -EINVAL (SW bits in prot) or -ERANGE.
 * The TLBI is the local (nsh) form: only the faulting vCPU's stale entry made it fault.
 * Source: kvm_pgtable_stage2_relax_perms (facts §3.4, §6).
 */
export function stage2RelaxPerms(pgt: Stage2Pgtable, addr: number, prot: Prot, out?: AttrOut): number {
  if (!Number.isFinite(prot) || prot < 0 || !Number.isInteger(prot)) throw new S2InputError('prot', `must be a non-negative integer, got ${prot}`);
  if (C.protSwBits(prot) !== 0) return EINVAL;
  const ret = updateLeafAttrs(pgt, addr, 1, C.relaxSetLo(prot), 0, 0, C.relaxClrHi(prot), true);
  copyOut(out);
  // v6.8: the leaf's level as the hint on success, "unknown" when the walk found no leaf.
  const hint = ret === EAGAIN ? TLBI_LEVEL_UNKNOWN : arg.level;
  if ((ret === 0 || ret === EAGAIN) && !pgt.bugs.has('relax-without-tlbi')) pgt.effects.tlbiIpa(addr - (addr % pgt.geom.granule), hint, true);
  return ret;
}

/**
 * Set AF on the leaf covering `addr`; `out` receives the old words and level (0/0/-1 if none).
 * Returns 0, -EAGAIN (no valid leaf) or -ERANGE. No TLBI (facts §6).
 * Source: kvm_pgtable_stage2_mkyoung.
 */
export function stage2Mkyoung(pgt: Stage2Pgtable, addr: number, out?: AttrOut): number {
  const ret = updateLeafAttrs(pgt, addr, 1, C.ATTR_LO_AF, 0, 0, 0, true);
  copyOut(out);
  return ret;
}

/**
 * Whether any valid leaf in [addr, addr+size) has AF set; with `mkold` clear AF on them.
 * No TLBI (the core's clear_flush_young path flushes). Out-of-range gives false.
 * Source: kvm_pgtable_stage2_test_clear_young / stage2_age_walker.
 */
export function stage2TestClearYoung(pgt: Stage2Pgtable, addr: number, size: number, mkold: boolean): boolean {
  updateLeafAttrs(pgt, addr, size, 0, 0, mkold ? C.ATTR_LO_AF : 0, 0, false);
  return arg.young;
}
