/**
 * The instruction cache as state (issue 16), as far as KVM's obligation without DIC reaches: the
 * memory invalidated from the I-cache to PoU since the host wrote it (pfns are never reused, so
 * since its allocation). Before that, a fetch may hit lines from whatever the page held earlier;
 * KVM invalidates a page when it maps it executable or relaxes it to X
 * (__invalidate_icache_guest_page). With DIC no invalidation is needed. With FWB the D-side needs
 * no clean to PoU (FEAT_S2FWB implies CTR_EL0.IDC). Not modelled: the guest's own IC IVAU, aliasing
 * I-caches (VPIPT/AIVIVT), the D-side clean to PoU on systems without IDC.
 */
import { PaRanges } from './paRanges';

export class ICache {
  private readonly invalidated: PaRanges;

  constructor(page: number) {
    this.invalidated = new PaRanges(page);
  }

  /** IC IVAU of [pa, pa+size) (KVM's invalidate to PoU). */
  invalidate(pa: number, size: number): void {
    this.invalidated.add(pa, size);
  }

  /** Whether a fetch from the page at `pa` sees the host's latest write. */
  isFresh(pa: number): boolean {
    return this.invalidated.covers(pa);
  }
}
