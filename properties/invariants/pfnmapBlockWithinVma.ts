/** PFNMAP_BLOCK_WITHIN_VMA: a stage-2 block of a PFNMAP VMA never runs past that VMA (kernel finding pfnmap-block-past-vma). */
import type { Invariant } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'PFNMAP_BLOCK_WITHIN_VMA';

/**
 * Source: get_vma_page_shift (arch/arm64/kvm/mmu.c): a PFNMAP block is allowed only when the whole
 * size-aligned block lies in the VMA; past vm_end the host maps other memory (or nothing) at those
 * hvas. Mainline tests ALIGN(hva, size) ≤ vm_end, which a block-aligned hva always passes.
 */
export const pfnmapBlockWithinVma: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A stage-2 block whose first page is backed by a PFNMAP VMA lies wholly inside that VMA\'s hva range.',
  source: 'get_vma_page_shift (arch/arm64/kvm/mmu.c); audit disagreement 1',
  check(s, cases) {
    const host = hostOf(s);
    if (!host || s.touched.length === 0) return null;
    const pgt = s.impl.pgt;
    const page = pgt.geom.granule;
    for (const l of leavesIn(pgt, s.touched)) {
      if (l.size === page) continue;
      const slot = slotAt(s.model.memslots, l.ipa);
      if (!slot) continue; // outside slots: NO_MAPPING_OUTSIDE_SLOTS judges it
      const hva = slot.hva + (l.ipa - slot.gpa);
      const vma = host.findVma(hva);
      if (vma?.kind !== 'pfnmap') continue;
      cases?.saw(NAME); // a block over a PFNMAP VMA
      if (hva + l.size <= vma.end) continue;
      return violation(s, NAME, `${hex(l.size)} block at ${hex(l.ipa)} maps hva ${hex(hva)}..${hex(hva + l.size)} but its PFNMAP VMA ends at ${hex(vma.end)}`,
        { ipa: vma.end - hva + l.ipa, expected: `a block inside ${hex(vma.start)}..${hex(vma.end)}`, actual: `${hex(hva)}..${hex(hva + l.size)}` });
    }
    return null;
  },
};
