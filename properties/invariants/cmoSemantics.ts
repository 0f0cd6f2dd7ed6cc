/** CMO_SEMANTICS: CMOs on RAM never exit, outside memory are skipped, on READONLY slots follow cmoPolicy (seed 002). */
import type { Outcome } from '../../model/types';
import type { Invariant } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';
import { ioremapLeafAt } from './lib/ioremapped';
import { stage2GetLeaf, makeLeafOut } from '../../impl/ops/leaf';

const NAME = 'CMO_SEMANTICS';
const CMOS = new Set(['dc_civac', 'dc_ivac', 'dc_cvac']);
const EXITS = new Set<Outcome['kind']>(['mmio', 'nisv', 'enosys', 'efault']);
const leafOut = makeLeafOut();
const RO_MAINLINE: ReadonlySet<Outcome['kind']> = new Set(['ok', 'nisv', 'enosys']);
const RO_MAINLINE_PROTECTED: ReadonlySet<Outcome['kind']> = new Set(['ok', 'injectDabt']);

/** Outcomes the rule allows for a CMO of `kind` on a READONLY slot, or null when not judged. */
function allowedOnRo(policy: 'mainline' | 'proposal2021', kind: string, protectedVm: boolean): ReadonlySet<Outcome['kind']> {
  // mainline: translation faults of CMOs are writes (CM=1, WnR=1) → MMIO path without syndrome (facts §15.2, §20c);
  // a protected VM's syndrome-less abort is injected back instead of exiting (io_mem_abort, vcpu_is_protected).
  if (policy === 'mainline') return protectedVm ? RO_MAINLINE_PROTECTED : RO_MAINLINE;
  // proposal2021 (seed 002 (c)): DC IVAC on RO memory is a permission fault → injected data abort; CIVAC/CVAC just work.
  return new Set(kind === 'dc_ivac' ? ['injectDabt'] : ['ok']);
}

/** Source: kvm_handle_guest_abort CMO skip (facts §15.7, §21.25), seed 002 (a)(b)(c). */
export const cmoSemantics: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A CMO on RAM never exits; a CMO outside memory is skipped (PC+4); on a READONLY slot it follows config.cmoPolicy (mainline MMIO path, an injected data abort for a protected VM; proposal2021: DC CIVAC works, DC IVAC injects a data abort).',
  source: 'seed 002; facts §15.7, §20c, §21.25, §22 M11; io_mem_abort (protected VM)',
  check(s, cases) {
    const st = s.step;
    if (st.op !== 'access' || !CMOS.has(st.kind)) return null;
    cases?.saw(NAME); // a guest CMO
    const got = s.implOutcome.kind;
    const slot = slotAt(s.model.memslots, st.ipa);
    const bad = (expected: string) => violation(s, NAME, `${st.kind} at 0x${st.ipa.toString(16)}: ${got}, expected ${expected}`, { ipa: st.ipa, expected, actual: got });
    // Beyond the VM's IPA size the abort is injected before any memslot rule (facts §15.3 rows 2–3).
    if (st.ipa >= 2 ** s.config.iaBits) return got === 'injectDabt' ? null : bad('injectDabt');
    if (!slot) {
      // ioremap'd ranges are memory for this rule (a stage-2 leaf may exist); anything else is skipped.
      if (stage2GetLeaf(s.impl.pgt, st.ipa, leafOut) === 0 && leafOut.valid) return null;
      if (s.model.permitted(Math.floor(st.ipa / s.config.granule)) !== null) return null;
      return got === 'skip' ? null : bad('skip');
    }
    const vma = hostOf(s)?.findVma(slot.hva + (st.ipa - slot.gpa));
    const ram = vma !== undefined && vma.kind !== 'pfnmap' && vma.uffd !== true;
    if (slot.flags.readonly) {
      if (s.config.cmoPolicy === 'proposal2021' && !(ram && vma.prot !== 'none')) return null;
      // An ioremap page KVM mapped inside the slot is Device memory, not the slot's read-only RAM:
      // a CMO there walks that leaf (a writable one takes no fault), so proposal2021 does not judge it.
      if (s.config.cmoPolicy === 'proposal2021' && ioremapLeafAt(s, st.ipa)) return null;
      const ok = allowedOnRo(s.config.cmoPolicy, st.kind, s.config.protectedVm === true);
      return ok.has(got) ? null : bad([...ok].join('|'));
    }
    // A CMO translation fault is a write fault: a read-only VMA legitimately gives -EFAULT.
    return ram && vma.prot === 'rw' && EXITS.has(got) ? bad('no exit') : null;
  },
};
