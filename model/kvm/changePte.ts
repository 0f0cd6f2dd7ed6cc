/** change_pte before v6.9: a copy-on-write's new page mapped read-only at once (profile change-pte-maps-cow-page). */
import { profileHas } from '../kernelProfiles';
import { gfnRangeForHva, slotsIntersectingHva } from '../memslotLookup';
import type { KvmState } from './state';

/**
 * Is there a last-level table over `gfn`? The copy's own invalidation has just unmapped the page, and
 * unmapping frees a table left empty, so one is there exactly when another page of its span is
 * still mapped by a page leaf. Source: stage2_unmap_walker frees empty tables (facts §7).
 */
function lastLevelTableLeft(st: KvmState, gfn: number): boolean {
  const span = st.config.granule / 8; // descriptors per table: the pages one last-level table maps
  const base = Math.floor(gfn / span) * span;
  return st.stage2.leavesIn(base, span).some((l) => l.npages < span);
}

/**
 * change_pte of a copy-on-write at `hva` now mapping `pfn`: while an invalidation is counted, each
 * memslot over `hva` maps its gfn to `pfn` read-only, normal memory, a page, where a last-level table
 * is left (no memcache: no table is allocated). The specification stops there; the 6.1 kernel also
 * maps while another invalidation of `hva` is open (kernel finding change-pte-in-open-invalidation).
 * Source: kvm_mmu_notifier_change_pte → kvm_change_spte_gfn → kvm_set_spte_gfn (Debian 6.1.192
 * virt/kvm/kvm_main.c, arch/arm64/kvm/mmu.c: kvm_pgtable_stage2_map PAGE_SIZE, PROT_R, no memcache).
 */
export function changePte(st: KvmState, hva: number, pfn: number): void {
  if (!profileHas(st.config, 'change-pte-maps-cow-page') || st.notifier.inProgress === 0) return;
  const page = st.config.granule;
  // Only the copy's own invalidation may be open over hva: any other may still change the PTE and never unmap again.
  if (st.notifier.open.filter((o) => o.hvaStart <= hva && hva < o.hvaEnd).length > 1) return;
  for (const slot of slotsIntersectingHva(st.slots, hva, hva + page)) {
    const gfn = gfnRangeForHva(slot, hva, hva + page, page).start;
    if (!lastLevelTableLeft(st, gfn)) continue;
    st.stage2.install({ baseGfn: gfn, npages: 1, pfn, perms: { r: true, w: false, x: false }, memtype: 'normal', af: true });
  }
}
