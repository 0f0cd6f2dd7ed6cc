/** NO_MAPPING_OUTSIDE_SLOTS: every leaf lies inside a memslot, or is an ioremap'd Device page (facts §21.20). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'NO_MAPPING_OUTSIDE_SLOTS';

/** First page of [a, b) that no slot covers and that is not an ioremap page, or -1. O(pages of the leaf outside slots). */
function uncovered(s: Parameters<typeof noMappingOutsideSlots.check>[0], a: number, b: number, leafSize: number): number {
  const page = s.config.granule;
  let ipa = a;
  while (ipa < b) {
    const slot = slotAt(s.model.memslots, ipa);
    if (slot) { ipa = slot.gpa + slot.size; continue; }
    // ioremap installs page-sized Device leaves only (kvm_phys_addr_ioremap, facts §15.9).
    if (leafSize > page || s.model.permitted(ipa / page) === null) return ipa;
    ipa += page;
  }
  return -1;
}

/** Source: fault_supports_stage2_huge_mapping containment (facts §15.5), kvm_phys_addr_ioremap (§15.9). */
export const noMappingOutsideSlots: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No stage-2 leaf maps an IPA outside every memslot, except page-sized Device leaves installed by ioremap.',
  source: 'facts §15.5, §21.20, §22 M5',
  check(s, cases) {
    for (const l of leavesIn(s.impl.pgt, s.touched)) {
      cases?.saw(NAME); // a leaf
      const at = uncovered(s, l.ipa, l.ipa + l.size, l.size);
      if (at >= 0) return violation(s, NAME, `leaf of size ${hex(l.size)} maps ${hex(at)}, outside every memslot`, { ipa: at });
    }
    return null;
  },
};
