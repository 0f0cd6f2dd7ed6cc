/** NO_FAULT_LIVELOCK: a guest access always completes; the fault handler never returns to a guest that takes the same fault again forever (kernel finding pud-fault-level2-livelock). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'NO_FAULT_LIVELOCK';

/**
 * Source: kvm_handle_guest_abort / user_mem_abort return 0 on -EAGAIN expecting the retried access
 * to succeed or take a fault that makes progress (stage2_map_walker_try_leaf: "exit once more and
 * relax"). The impl reports `livelock` when its handled faults never let the access finish.
 */
export const noFaultLivelock: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Every guest access completes: no fault is handled by returning to a guest that then takes it again without end.',
  source: 'user_mem_abort (-EAGAIN → 0), stage2_map_walker_try_leaf / stage2_pte_needs_update (arch/arm64/kvm/mmu.c, hyp/pgtable.c)',
  check(s, cases) {
    const st = s.step;
    if (st.op !== 'access') return null;
    cases?.saw(NAME); // every guest access could loop
    if (s.implOutcome.kind !== 'livelock') return null;
    return violation(s, NAME, `${st.kind} at ${hex(st.ipa)} never completes: every handled fault returns to a guest that faults again (model: ${s.modelOutcome.kind})`,
      { ipa: st.ipa, expected: s.modelOutcome.kind, actual: 'livelock' });
  },
};
