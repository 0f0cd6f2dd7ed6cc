/** ESR_EL2 classification of each guest access kind and KVM's write/exec fault rules (facts §15.1–15.2). */
import type { AccessKind } from '../types';

/*
 * API
 *   syndromeOf(kind, isPermFault): AbortSyndrome     the ESR fields a stage-2 fault of `kind` reports
 *   isWriteFault(kind, isPermFault): boolean         kvm_is_write_fault
 *   isExecFault(kind): boolean                        kvm_vcpu_trap_is_exec_fault
 *   hasCmBit(kind): boolean                           CM = 1 (cache maintenance, or AT; not DC ZVA)
 *
 * Choices (documented, see facts §15.1, §19.2–19.3, DESIGN §3):
 * - `s1ptw_read` / `s1ptw_write` are the guest's stage-1 walker reading / writing (AF/DBM update)
 *   a page-table page for a load or store: data abort, S1PTW = 1, ISV = 0.
 * - `at` (AT S1E1R) only walks stage 1. Its stage-2 fault is on the page-table page: a data abort
 *   with S1PTW = 1 and, because AT instructions report CM = 1 and WnR = 1 on a stage-2 fault,
 *   CM = 1, WnR = 1, ISV = 0. KVM ignores WnR when S1PTW is set, so a translation fault is a read
 *   (§19.3: AT on a not-yet-mapped PT page is a read fault, also in RO slots).
 * - `cas`: Arm ARM WnR rule for atomics: WnR = 0 if a read of the location would have faulted.
 *   KVM stage-2 leaves are always readable (§15.4 step 16), so a translation / access-flag fault
 *   reports WnR = 0 (read: the page is faulted in first, §19.3 #63) and a permission fault WnR = 1.
 * - `exec` is an instruction abort: no WnR/CM/ISV.
 */

/** The ESR_EL2 fields of a stage-2 abort that KVM looks at (facts §15.1). `len` is 0 when !isv. */
export interface AbortSyndrome {
  isIabt: boolean;
  s1ptw: boolean;
  wnr: boolean;
  cm: boolean;
  isv: boolean;
  len: number;
}

const NONE = { isIabt: false, s1ptw: false, wnr: false, cm: false, isv: false, len: 0 };

/** Fixed syndromes; `cas` is filled in by syndromeOf (its WnR depends on the fault kind). */
const SYNDROMES: Record<Exclude<AccessKind, 'cas'>, AbortSyndrome> = {
  read: { ...NONE, isv: true, len: 8 }, // LDR x: ISV=1, SAS=3
  write: { ...NONE, wnr: true, isv: true, len: 8 }, // STR x
  ld_preidx: { ...NONE }, // writeback: no syndrome
  st_preidx: { ...NONE, wnr: true },
  dc_zva: { ...NONE, wnr: true }, // a store, CM=0 (facts §15.1)
  exec: { ...NONE, isIabt: true },
  at: { ...NONE, s1ptw: true, wnr: true, cm: true }, // stage-2 fault on the AT walk
  dc_civac: { ...NONE, wnr: true, cm: true }, // CMOs: CM=1, WnR=1
  dc_ivac: { ...NONE, wnr: true, cm: true },
  dc_cvac: { ...NONE, wnr: true, cm: true },
  s1ptw_read: { ...NONE, s1ptw: true },
  s1ptw_write: { ...NONE, s1ptw: true, wnr: true },
};

/** The syndrome a stage-2 fault of `kind` reports; `isPermFault` = FSC is a permission fault. */
export function syndromeOf(kind: AccessKind, isPermFault: boolean): AbortSyndrome {
  if (kind === 'cas') return { ...NONE, wnr: isPermFault }; // Arm ARM ESR.WnR rule for atomics
  return { ...SYNDROMES[kind] };
}

/** kvm_is_write_fault (v6.2+): S1PTW is a write only on a permission fault; iabt never; else WnR. */
export function isWriteFault(kind: AccessKind, isPermFault: boolean): boolean {
  const s = syndromeOf(kind, isPermFault);
  if (s.s1ptw) return isPermFault;
  if (s.isIabt) return false;
  return s.wnr;
}

/** kvm_vcpu_trap_is_exec_fault: an instruction abort that is not on a stage-1 walk (facts §15.2). */
export function isExecFault(kind: AccessKind): boolean {
  const s = syndromeOf(kind, false);
  return s.isIabt && !s.s1ptw;
}

/** kvm_vcpu_dabt_is_cm: CM = 1 (CMOs and AT stage-2 faults; not DC ZVA). AT also has S1PTW, which KVM checks first. */
export function hasCmBit(kind: AccessKind): boolean {
  return syndromeOf(kind, false).cm;
}
