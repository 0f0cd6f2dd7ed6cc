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
 * The reverse case: a guest store that bypasses the cache (stage-1 Normal-NC or Device, cache off)
 * makes memory newer than any clean line a cacheable alias may hold (the host's linear map may
 * fetch lines speculatively at any time, Arm ARM B2.4 mismatched attributes), until the page is
 * invalidated. A host copy of such a page through the cache (migration, THP collapse) copies the
 * stale lines: the new page has lost the guest's write. That is why the unmap walker cleans *and
 * invalidates* (the 2015 "Invalidate data cache on unmap" change, as recalled; hash not verified).
 * Not modelled: host writes after allocation (the VMM writing guest memory), line granularity (a
 * page is dirty or not), eviction (a line may reach memory by itself; the model keeps it dirty, the
 * case KVM must not rely on). The I-cache is impl/icache.ts.
 */
import { PaRanges } from './paRanges';

export class DCache {
  private readonly dirty = new Set<number>();
  /** Pages the guest wrote without the cache since their last invalidation: a cacheable alias may hold stale lines. */
  private readonly ncWritten = new Set<number>();
  /** Pages whose contents lost a guest write (copied by the host through stale lines). */
  private readonly lost = new Set<number>();
  /** Memory cleaned to PoC since the host wrote it. */
  private readonly cleaned: PaRanges;

  constructor(private readonly page: number) {
    this.cleaned = new PaRanges(page);
  }

  /** Whether the page at `pa` was cleaned to PoC since the host wrote it (its allocation). */
  isClean(pa: number): boolean {
    return this.cleaned.covers(pa);
  }

  /** Whether the page at `pa` holds guest-dirty lines (memory is older than what the guest wrote through the cache). */
  isDirty(pa: number): boolean {
    return this.dirty.has(this.pageOf(pa));
  }

  /** Whether the page at `pa` was written by the guest without the cache and not invalidated since. */
  isNcWritten(pa: number): boolean {
    return this.ncWritten.has(this.pageOf(pa));
  }

  /** Whether the page at `pa` lost a guest write when the host copied it. */
  isLost(pa: number): boolean {
    return this.lost.has(this.pageOf(pa));
  }

  /** Pages with guest-dirty lines plus pages written without the cache: what an unmap must clean and invalidate. */
  get size(): number {
    return this.dirty.size + this.ncWritten.size;
  }

  /** Page-aligned PAs holding guest-dirty lines. */
  pages(): IterableIterator<number> {
    return this.dirty.values();
  }

  /** Page-aligned PAs the guest wrote without the cache, not invalidated since. */
  ncPages(): IterableIterator<number> {
    return this.ncWritten.values();
  }

  /** Page-aligned PAs whose contents lost a guest write. */
  lostPages(): IterableIterator<number> {
    return this.lost.values();
  }

  /** A guest store that bypasses the cache at `pa` (its memory is now newer than any cached line). */
  guestWriteNc(pa: number): void {
    this.ncWritten.add(this.pageOf(pa));
  }

  /**
   * The host copied `pages` pages from `src` to `dst` through its cacheable linear map: a source page
   * written without the cache and not invalidated since gives stale lines, so the copy lost that
   * write; a lost page stays lost. Guest-dirty lines are seen by the copy (the cache is coherent).
   */
  hostCopy(src: number, dst: number, pages: number): void {
    if (this.ncWritten.size === 0 && this.lost.size === 0) return;
    for (let i = 0; i < pages; i++) {
      const s = src + i * this.page;
      if (this.ncWritten.has(s) || this.lost.has(s)) this.lost.add(dst + i * this.page);
    }
  }

  /** A guest store through a Normal-WB mapping at `pa`. */
  guestWrite(pa: number): void {
    this.dirty.add(this.pageOf(pa));
  }

  /** Clean+invalidate to PoC of [pa, pa+size) (KVM's, DC CIVAC, DC IVAC under HCR_EL2.VM): dirty lines reach memory, stale lines go. */
  clean(pa: number, size: number): void {
    this.cleanOnly(pa, size);
    this.dropIn(this.ncWritten, pa, size);
  }

  /** Clean to PoC without invalidating (DC CVAC): dirty lines reach memory, clean stale lines stay. */
  cleanOnly(pa: number, size: number): void {
    this.cleaned.add(pa, size);
    this.dropIn(this.dirty, pa, size);
  }

  /** The page-aligned PA of the page holding `pa`. */
  private pageOf(pa: number): number {
    return pa - (pa % this.page);
  }

  /** Remove from `pages` those in [pa, pa+size). */
  private dropIn(pages: Set<number>, pa: number, size: number): void {
    if (pages.size === 0) return;
    const from = this.pageOf(pa);
    for (const p of pages) if (p >= from && p < pa + size) pages.delete(p);
  }
}
