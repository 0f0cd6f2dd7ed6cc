/** kvm_handle_guest_abort rows 2–8 and io_mem_abort: what one stage-2 fault leads to (facts §15.3, §15.7). */
import { hasCmBit, isWriteFault, syndromeOf } from '../arch/esr';
import type { AccessKind, Outcome } from '../types';
import type { Fsc } from './hardware';
import { slotForGfn } from '../memslotLookup';
import type { KvmState } from './state';
import type { FaultRequest } from './userMemAbort';

/** One stage-2 abort as KVM receives it. */
export interface Abort {
  vcpu: number;
  ipa: number;
  kind: AccessKind;
  fsc: Fsc;
}

/** What handling the abort decided: re-enter the guest, end the access, or go to user_mem_abort. */
export type AbortDecision =
  | { kind: 'resume' }
  | { kind: 'exit'; outcome: Outcome }
  | { kind: 'userMemAbort'; req: FaultRequest };

const exit = (outcome: Outcome): AbortDecision => ({ kind: 'exit', outcome });

/**
 * The decision tree. Rows 2/3 (IPA beyond the VM's IPA size) inject an abort of the access's own
 * type: the model has one IPA limit, so the address-size fault (row 2) and the SEA (row 3) both
 * appear as injectDabt, or injectPabt for an instruction fetch. Row 4 cannot arise (the model's
 * hardware only raises translation / access-flag / permission faults); row 5 (nested) is out of
 * scope. Source: kvm_handle_guest_abort, arch/arm64/kvm/mmu.c (facts §15.3).
 */
export function decideAbort(st: KvmState, a: Abort): AbortDecision {
  const syn = syndromeOf(a.kind, a.fsc === 'permission');
  if (a.fsc === 'translation' && a.ipa >= 2 ** st.config.iaBits) {
    return exit({ kind: syn.isIabt ? 'injectPabt' : 'injectDabt' }); // rows 2/3
  }
  const gfn = Math.floor(a.ipa / st.config.granule);
  const slot = slotForGfn(st.slots, gfn);
  const cmo = cmoProposal(st, a, slot?.flags.readonly ?? false);
  if (cmo.decided) return cmo.decision;
  const writeFault = cmo.writeFault ?? isWriteFault(a.kind, a.fsc === 'permission');
  if (!slot || (writeFault && slot.flags.readonly)) return badHvaOrRo(st, a, slot === undefined); // row 6
  if (a.fsc === 'accessFlag') return accessFlagFault(st, gfn); // row 7
  return { kind: 'userMemAbort', req: { vcpu: a.vcpu, ipa: a.ipa, kind: a.kind, slot, writeFault, permFault: a.fsc === 'permission' } };
}

/**
 * Rows 6a–6d: instruction fetch → inject prefetch abort (-ENOEXEC); stage-1 walk → inject data
 * abort; CMO outside memory → skip (PC += 4); everything else is MMIO emulation.
 * Source: kvm_handle_guest_abort (facts §15.3 row 6, §18 S1PTW note).
 */
function badHvaOrRo(st: KvmState, a: Abort, noSlot: boolean): AbortDecision {
  const syn = syndromeOf(a.kind, a.fsc === 'permission');
  if (syn.isIabt) return exit({ kind: 'injectPabt' });
  if (syn.s1ptw) return exit({ kind: 'injectDabt' });
  if (noSlot && syn.cm) return exit({ kind: 'skip' });
  return exit(ioMemAbort(st, a));
}

/**
 * io_mem_abort: with a syndrome, an MMIO exit {ipa, len, write}; without one, a protected VM gets
 * a data abort, a VM with NISV_TO_USER a KVM_EXIT_ARM_NISV, anyone else a KVM_RUN failure (ENOSYS).
 * Source: io_mem_abort, arch/arm64/kvm/mmio.c (facts §15.7).
 */
export function ioMemAbort(st: KvmState, a: Abort): Outcome {
  const syn = syndromeOf(a.kind, a.fsc === 'permission');
  if (!syn.isv) {
    if (st.config.protectedVm) return { kind: 'injectDabt' };
    if (st.config.nisvToUser) return { kind: 'nisv', ipa: a.ipa };
    st.counters.failedRuns += 1;
    return { kind: 'enosys' };
  }
  st.counters.mmioExits += 1;
  return { kind: 'mmio', ipa: a.ipa, len: syn.len, write: syn.wnr };
}

/** Row 7: set AF on the existing leaf; a vanished leaf is simply re-faulted. Source: handle_access_fault (facts §15.8). */
function accessFlagFault(st: KvmState, gfn: number): AbortDecision {
  st.stage2.mkyoung(gfn);
  return { kind: 'resume' };
}

/** What the CMO policy says before the generic rules: a final decision, or a write/read override. */
type CmoVerdict = { decided: true; decision: AbortDecision } | { decided: false; writeFault?: boolean };

/**
 * The 2021 proposal "Handle CMOs on Read Only memslots" (seed 002, facts §20c), off under
 * `mainline`: a CMO translation fault is a read (map RO); a CMO permission fault is DC IVAC
 * needing W — in a READONLY slot inject a data abort, elsewhere handle it as a write.
 * CMOs outside memory keep row 6c (skip). AT (also CM = 1) is a stage-1 walk and is left alone.
 */
function cmoProposal(st: KvmState, a: Abort, readonlySlot: boolean): CmoVerdict {
  const isCmo = hasCmBit(a.kind) && !syndromeOf(a.kind, false).s1ptw;
  if (st.config.cmoPolicy !== 'proposal2021' || !isCmo) return { decided: false };
  if (a.fsc !== 'permission') return { decided: false, writeFault: false };
  if (readonlySlot) return { decided: true, decision: exit({ kind: 'injectDabt' }) };
  return { decided: false, writeFault: true };
}
