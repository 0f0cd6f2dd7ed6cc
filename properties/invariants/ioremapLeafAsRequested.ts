/** IOREMAP_LEAF_AS_REQUESTED: an ioremap leaf keeps the rights kvm_phys_addr_ioremap gave it (kernel finding ioremap-in-slot-relaxed). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafExec, leafMemtype, leafPa, leafWritable } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'IOREMAP_LEAF_AS_REQUESTED';

/**
 * Source: kvm_phys_addr_ioremap (arch/arm64/kvm/mmu.c) maps Device | R | (W only if asked), never X.
 * A page-sized leaf that still maps the ioremap'd pfn at its IPA must keep exactly that. Mainline's
 * permission-fault path for an ioremap page inside a memslot (user_mem_abort →
 * kvm_pgtable_stage2_relax_perms) adds the slot's W, and X on an exec fault or with DIC.
 */
export const ioremapLeafAsRequested: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A leaf that maps a kvm_phys_addr_ioremap page at its IPA is Device, never executable, and writable only if the ioremap asked for it.',
  source: 'kvm_phys_addr_ioremap, user_mem_abort → kvm_pgtable_stage2_relax_perms (arch/arm64/kvm/mmu.c); audit disagreement 2',
  check(s, cases) {
    if (s.touched.length === 0 || s.model.ioremapCount === 0) return null;
    const pgt = s.impl.pgt;
    const page = pgt.geom.granule;
    for (const l of leavesIn(pgt, s.touched)) {
      if (l.size !== page) continue;
      const io = s.model.ioremapAt(l.ipa / page);
      if (!io || leafPa(pgt, l) !== io.pfn * page) continue;
      cases?.saw(NAME); // a leaf of an ioremap
      const t = leafMemtype(pgt, l);
      const w = leafWritable(l);
      const x = leafExec(l);
      if (t === 'device' && !x && (!w || io.writable)) continue;
      const actual = `${t}${w ? ' W' : ''}${x ? ' X' : ''}`;
      return violation(s, NAME, `ioremap leaf at ${hex(l.ipa)} is ${actual}; kvm_phys_addr_ioremap asked for device${io.writable ? ' W' : ' read-only'}`,
        { ipa: l.ipa, expected: `device${io.writable ? ' W' : ''}`, actual });
    }
    return null;
  },
};
