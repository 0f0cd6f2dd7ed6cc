/** ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE: the shared zero page (and the huge zero page) is mapped read-only Normal (seed 000). */
import { RAM_BASE_PA } from '../../model/host/constants';
import type { Invariant } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafMemtype, leafPa, leafWritable, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE';

/** Source: seed 000 (kvm_is_mmio_pfn false positive on the zero page), facts §20a, §22 M1. */
export const zeroPageNeverWritableOrDevice: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A leaf that maps the shared zero page or the huge zero page is read-only and Normal memory.',
  source: 'seed 000; facts §20a, §22 M1',
  check(s, cases) {
    const pgt = s.impl.pgt;
    const page = pgt.geom.granule;
    // DESIGN §3: the zero page is the first RAM page.
    const host = hostOf(s);
    const zeroPa = (host?.zeroPfn ?? RAM_BASE_PA / page) * page;
    for (const l of leavesIn(pgt, s.touched)) {
      const pa = leafPa(pgt, l);
      // the small zero page inside the leaf, or a leaf into the huge zero page (THP=always: aligned, a block maps all of it)
      const hugeZero = host?.isZeroPfn(pa / page) === true && pa !== zeroPa;
      if (!hugeZero && (zeroPa < pa || zeroPa >= pa + l.size)) continue;
      // A PFNMAP VMA names its PAs itself (remap_pfn_range): a RAM PA there that the allocator also gave the
      // zero page is that VMA's page, mapped as its PTE allows, not the zero page KVM got from a fault-in.
      const slot = slotAt(s.model.memslots, l.ipa);
      if (slot && host?.findVma(slot.hva + (l.ipa - slot.gpa))?.kind === 'pfnmap') continue;
      cases?.saw(NAME); // a leaf over the zero page
      const mt = leafMemtype(pgt, l);
      if (leafWritable(l) || mt !== 'normal') {
        const bad = `${leafWritable(l) ? 'W ' : ''}${mt}`;
        const at = hugeZero ? l.ipa : l.ipa + (zeroPa - pa);
        return violation(s, NAME, `zero page mapped at ${hex(at)} as ${bad}`, { ipa: at, expected: 'R normal', actual: bad });
      }
    }
    return null;
  },
};
