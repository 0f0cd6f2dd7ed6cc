/** PROT_NONE_NEVER_MAPPED: no stage-2 leaf maps a memslot page whose host VMA is PROT_NONE (kernel finding pfnmap-prot-none-mapped). */
import type { CaseSink, HostQuery, Invariant, Violation } from './types';
import { hostOf, type ImplView, type InvSnapshot, type ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { clip, hex, sampleAt, sampleCount, slotAt } from './lib/leafInfo';
import { ioremapLeafAt } from './lib/ioremapped';
import { violation } from './lib/violation';

const NAME = 'PROT_NONE_NEVER_MAPPED';

/** An access / faultBegin on a PROT_NONE memslot page that the model ends in EFAULT and the impl does not (e.g. resolves it). */
function faultOnProtNone(s: InvSnapshot, host: HostQuery, cases?: CaseSink): Violation | null {
  const st = s.step;
  if (st.op !== 'access' && st.op !== 'faultBegin') return null;
  const slot = slotAt(s.model.memslots, st.ipa);
  if (!slot) return null;
  const hva = slot.hva + (st.ipa - slot.gpa);
  if (host.findVma(hva)?.prot !== 'none') return null;
  cases?.saw(NAME); // a guest access to a PROT_NONE page
  if (s.modelOutcome.kind !== 'efault' || s.implOutcome.kind === 'efault') return null;
  return violation(s, NAME, `${st.op} at ${hex(st.ipa)} (hva ${hex(hva)}, PROT_NONE) resolved to ${s.implOutcome.kind} instead of efault`,
    { ipa: st.ipa, expected: 'efault', actual: s.implOutcome.kind });
}

/**
 * Source: the host made the range inaccessible (mprotect PROT_NONE); hva_to_pfn's GUP refuses it.
 * Mainline's hva_to_pfn_remapped (virt/kvm/kvm_main.c) takes a VM_PFNMAP PTE through
 * follow_pfnmap_start without checking the VMA's permissions, and arm64 PROT_NONE PTEs are present.
 * Pages of the touched part of each leaf are sampled (≤ 64 per part), like NO_STALE_PFN.
 */
export const protNoneNeverMapped: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No stage-2 leaf maps a memslot page whose host VMA is PROT_NONE, and a guest fault there ends in EFAULT as the specification says.',
  source: 'hva_to_pfn / hva_to_pfn_remapped (virt/kvm/kvm_main.c); audit disagreement 4',
  check(s, cases) {
    const host = hostOf(s);
    if (!host) return null;
    const pgt = s.impl.pgt;
    const page = pgt.geom.granule;
    const fault = faultOnProtNone(s, host, cases);
    if (fault) return fault;
    for (const l of leavesIn(pgt, s.touched)) {
      for (const t of s.touched) {
        const part = clip(l.ipa, l.ipa + l.size, t[0], t[1]);
        if (!part) continue;
        for (let k = 0, m = sampleCount(part[0], part[1], page); k < m; k++) {
          const ipa = sampleAt(part[0], part[1], page, k);
          const slot = slotAt(s.model.memslots, ipa);
          if (!slot || ioremapLeafAt(s, ipa)) continue;
          const hva = slot.hva + (ipa - slot.gpa);
          if (host.findVma(hva)?.prot !== 'none') continue;
          cases?.saw(NAME);
          return violation(s, NAME, `leaf at ${hex(ipa)} maps hva ${hex(hva)}, which the host mapped PROT_NONE`, { ipa, expected: 'unmapped', actual: 'mapped' });
        }
      }
    }
    return null;
  },
};
