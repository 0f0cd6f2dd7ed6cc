/**
 * The data cache as state (issue 16), as far as KVM's obligations without FWB reach: the pages
 * holding lines the guest wrote through a cacheable (Normal-WB) mapping that are not yet cleaned to
 * the Point of Coherency. Such a page's memory is older than what the guest wrote, so a
 * non-coherent reader of it after KVM gave it back to the host (a device, a non-cacheable alias)
 * sees stale data: that is why stage2_unmap_walker cleans a cacheable leaf it removes unless FWB
 * makes every alias cacheable. Cleared by KVM's clean+invalidate to PoC and by the guest's own
 * DC CIVAC / DC CVAC / DC IVAC (an invalidate by VA cleans too while HCR_EL2.VM is set).
 * It also keeps which memory was cleaned to PoC since the host wrote it: the host zeroes or copies
 * every page it hands out through its cacheable linear map (pfns are never reused, so "since it was
 * allocated"), so a guest access that does not go through the cache (stage-1 Normal-NC or Device,
 * the MMU off) sees that data only after a clean; KVM cleans a page when it maps it without FWB.
 * Not modelled: host writes after allocation (the VMM writing guest memory), line granularity (a
 * page is dirty or not), eviction (a line may reach memory by itself; the model keeps it dirty, the
 * case KVM must not rely on). The I-cache is impl/icache.ts.
 */
import { PaRanges } from './paRanges';

export class DCache {
  private readonly dirty = new Set<number>();
  /** Memory cleaned to PoC since the host wrote it. */
  private readonly cleaned: PaRanges;

  constructor(private readonly page: number) {
    this.cleaned = new PaRanges(page);
  }

  /** Whether the page at `pa` was cleaned to PoC since the host wrote it (its allocation). */
  isClean(pa: number): boolean {
    return this.cleaned.covers(pa);
  }

  get size(): number {
    return this.dirty.size;
  }

  /** Page-aligned PAs holding guest-dirty lines. */
  pages(): IterableIterator<number> {
    return this.dirty.values();
  }

  /** A guest store through a Normal-WB mapping at `pa`. */
  guestWrite(pa: number): void {
    this.dirty.add(pa - (pa % this.page));
  }

  /** Clean (+invalidate) to PoC of [pa, pa+size): its pages' lines reach memory. */
  clean(pa: number, size: number): void {
    this.cleaned.add(pa, size);
    if (this.dirty.size === 0) return;
    for (const p of this.dirty) if (p >= pa - (pa % this.page) && p < pa + size) this.dirty.delete(p);
  }
}
