/** S1PTW_CLASSIFICATION: a stage-1 walk read on a READONLY RAM slot is a read: no injection, no exit (facts §21.24). */
import type { Outcome } from '../../model/types';
import type { Invariant } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { hex, leafMemtype, slotAt } from './lib/leafInfo';
import { leavesIn } from './lib/walk';
import { violation } from './lib/violation';

const NAME = 'S1PTW_CLASSIFICATION';
const READ_WALKS = new Set(['s1ptw_read', 'at']);
const FORBIDDEN = new Set<Outcome['kind']>(['injectDabt', 'injectPabt', 'mmio', 'nisv', 'enosys']);

/** Source: kvm_is_write_fault / kvm_vcpu_abt_iss1tw (406504c7b040, v6.2; facts §15.2), page_fault_test #42–45. */
export const s1ptwClassification: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'An S1PTW read (or AT) translation fault on a READONLY slot backed by RAM is handled as a read: it maps read-only and neither injects an abort nor exits.',
  source: 'facts §15.2, §21.24, §22 M2',
  check(s, cases) {
    const st = s.step;
    if (st.op !== 'access' || !READ_WALKS.has(st.kind)) return null;
    const slot = slotAt(s.model.memslots, st.ipa);
    if (!slot || !slot.flags.readonly) return null;
    const vma = hostOf(s)?.findVma(slot.hva + (st.ipa - slot.gpa));
    if (!vma || vma.kind === 'pfnmap' || vma.prot === 'none' || vma.uffd === true) return null;
    // A walk into a Device leaf (an ioremap over the slot) is a permission fault by HCR_EL2.PTW, not a translation fault: WALK_TO_DEVICE_ABORTS.
    const leaf = leavesIn(s.impl.pgt, [[st.ipa, st.ipa + 1]]).find((l) => l.ipa <= st.ipa && st.ipa < l.ipa + l.size);
    if (leaf && leafMemtype(s.impl.pgt, leaf) === 'device') return null;
    cases?.saw(NAME); // a read walk on a READONLY RAM slot
    const got = s.implOutcome.kind;
    return FORBIDDEN.has(got) ? violation(s, NAME, `${st.kind} at ${hex(st.ipa)} on READONLY RAM slot ${slot.id}: ${got}`, { ipa: st.ipa, expected: 'ok', actual: got }) : null;
  },
};
