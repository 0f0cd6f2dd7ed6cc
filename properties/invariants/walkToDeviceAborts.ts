/** WALK_TO_DEVICE_ABORTS: a stage-1 walk into a Device stage-2 leaf ends (an injected abort or an error), never in a loop (kernel finding s1ptw-device-livelock). */
import { isStage1Walk } from '../../model/arch/permission';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafMemtype } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'WALK_TO_DEVICE_ABORTS';

/**
 * Source: HCR_EL2.PTW, set for every guest (HCR_GUEST_FLAGS, arch/arm64/include/asm/kvm_arm.h),
 * turns a stage-1 walk that reaches Device memory at stage 2 into a stage-2 permission fault; as an
 * S1PTW it counts as a write (kvm_is_write_fault), and user_mem_abort relaxes the already-writable
 * leaf (kvm_pgtable_stage2_relax_perms) and returns to the guest, which faults again. Seen on the
 * real 6.1 and 6.12 kernels (npm run real): such a walk never completes.
 */
export const walkToDeviceAborts: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A stage-1 walk whose table page is mapped Device at stage 2 ends in an injected abort or an error, never in a vCPU that faults forever.',
  source: 'HCR_EL2.PTW (HCR_GUEST_FLAGS), kvm_is_write_fault, user_mem_abort → kvm_pgtable_stage2_relax_perms',
  check(s, cases) {
    const st = s.step;
    if ((st.op !== 'access' && st.op !== 'faultBegin') || !isStage1Walk(st.kind)) return null;
    const pgt = s.impl.pgt;
    const leaf = leavesIn(pgt, [[st.ipa, st.ipa + 1]]).find((l) => l.ipa <= st.ipa && st.ipa < l.ipa + l.size);
    // The walk's page is Device by the specification (an ioremap inside a memslot), whatever the fault made of the leaf.
    const replaced = s.model.permitted(Math.floor(st.ipa / pgt.geom.granule))?.memtype === 'device';
    if (!replaced && (!leaf || leafMemtype(pgt, leaf) !== 'device')) return null;
    cases?.saw(NAME); // a walk into a Device leaf
    // An access loops, or its fault maps the slot's memory over the Device page (an ioremap inside
    // a memslot); a split fault's first half goes on to relax the leaf instead of ending the fault.
    const mapsOver = s.modelOutcome.kind === 'injectDabt' && s.implOutcome.kind === 'ok';
    const loops = st.op === 'access' ? s.implOutcome.kind === 'livelock' || mapsOver : mapsOver;
    if (!loops) return null;
    const how = st.op === 'access' && s.implOutcome.kind === 'livelock' ? 'never completes'
      : replaced ? 'is handled as a fault a mapping could fix (an ioremap inside a memslot: the slot\'s memory is mapped over the Device page)' : 'is handled as if a mapping could fix it';
    return violation(s, NAME, `${st.op} ${st.kind} at ${hex(st.ipa)} walks a Device leaf and ${how} (model: ${s.modelOutcome.kind})`,
      { ipa: st.ipa, expected: s.modelOutcome.kind, actual: s.implOutcome.kind });
  },
};
