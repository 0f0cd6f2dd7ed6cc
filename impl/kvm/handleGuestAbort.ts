/** kvm_handle_guest_abort: the decision tree for one stage-2 abort (facts §15.3), incl. the CMO policy of seed 002. */
import type { AccessKind, Outcome } from '../../model/types';
import type { TranslateFault } from '../translate';
import { stage2Mkyoung } from '../ops/attrs';
import { isWriteFault, syndrome } from './classify';
import { ioMemAbort } from './ioMemAbort';
import type { KvmCore } from './state';
import { resolveFault } from './userMemAbort';
import type { ImplSlot, PendingFault } from './types';

const INJECT_DABT: Outcome = Object.freeze({ kind: 'injectDabt' });
const INJECT_PABT: Outcome = Object.freeze({ kind: 'injectPabt' });
const SKIP: Outcome = Object.freeze({ kind: 'skip' });

/** The handler's answer: re-enter the guest, a fault resolved into `f` (commit next), or an outcome. */
export type AbortResult = 'resume' | 'resolved' | Outcome;

/**
 * Rows 2/3: IPA beyond the VM's IPA size → inject an abort of the access's type; row 6: no slot
 * or a write to a READONLY slot → iabt / S1PTW dabt / skip a CMO outside memory / io_mem_abort;
 * row 7: access flag → mkyoung; row 8: user_mem_abort (resolved into `f`). Rows 1, 4, 5 cannot
 * arise here (no SEA, the walk raises only these three FSCs, no nesting).
 * Source: kvm_handle_guest_abort, arch/arm64/kvm/mmu.c (v6.17).
 */
export function handleGuestAbort(core: KvmCore, f: PendingFault, ipa: number, kind: AccessKind, fsc: TranslateFault, faultGranule: number): AbortResult {
  const perm = fsc === 'permission';
  const syn = syndrome(kind, perm);
  if (fsc === 'translation' && ipa >= 2 ** core.config.iaBits) return syn.isIabt ? INJECT_PABT : INJECT_DABT;
  core.counters.stage2Aborts++; // trace_kvm_guest_fault: every abort past the IPA-range check
  const slot = core.slots.lookup(Math.floor(ipa / core.page));
  let writeFault = isWriteFault(syn, perm, core.bugs);
  // Seed 002, the 2021 proposal (cmoPolicy proposal2021; `cmo-ro-as-mmio` keeps mainline): a CMO
  // translation fault is a read; a CMO permission fault is DC IVAC: abort in a READONLY slot, else a write.
  if (core.config.cmoPolicy === 'proposal2021' && !core.bugs.has('cmo-ro-as-mmio') && syn.cm && !syn.s1ptw) {
    if (!perm) writeFault = false;
    else if (slot !== null && slot.readonly) return INJECT_DABT;
    else writeFault = true;
  }
  if (slot === null || (writeFault && slot.readonly)) return badHvaOrRo(core, ipa, slot, syn);
  if (fsc === 'accessFlag') { // row 7: handle_access_fault
    stage2Mkyoung(core.pgt, ipa);
    return 'resume';
  }
  const r = resolveFault(core, f, ipa, syn, slot as ImplSlot, writeFault, perm, faultGranule);
  return r === null ? 'resolved' : r;
}

/** Rows 6a–6d: iabt → -ENOEXEC (inject); S1PTW → dabt; CMO outside memory → skip; else io_mem_abort. */
function badHvaOrRo(core: KvmCore, ipa: number, slot: ImplSlot | null, syn: ReturnType<typeof syndrome>): Outcome {
  if (syn.isIabt) return INJECT_PABT;
  if (syn.s1ptw) return INJECT_DABT;
  if (slot === null && syn.cm) return SKIP;
  return ioMemAbort(core, ipa, syn);
}
