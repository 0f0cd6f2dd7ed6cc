/** Deterministic host RAM allocator: bump pointer from RAM_BASE_PA; its first page is the zero page (DESIGN §3). */
import { S2InputError } from '../types';
import { MAX_PA, RAM_BASE_PA } from './constants';

/**
 * Hands out pfns in increasing order and never reuses one: a stale stage-2 pfn can then never
 * coincide with what the host maps now. Runs are aligned to their own size (huge pages); the
 * pages skipped for alignment stay unused. Same call sequence → same pfns.
 */
export class PfnAllocator {
  /** pfn of the shared zero page: the first RAM page. */
  readonly zeroPfn: number;
  private next: number;
  private readonly limit: number;
  /** First pfn and size of the huge zero page once something maps it (mm_get_huge_zero_page allocates it on first use). */
  private hugeZero: { pfn: number; npages: number } | undefined;

  constructor(pageSize: number) {
    this.zeroPfn = RAM_BASE_PA / pageSize;
    this.next = this.zeroPfn + 1;
    this.limit = MAX_PA / pageSize;
  }

  /** Allocate `npages` (a power of two) contiguous pfns aligned to `npages`; returns the first. */
  alloc(npages: number): number {
    const first = Math.ceil(this.next / npages) * npages;
    if (first + npages > this.limit) throw new S2InputError('ram', 'host RAM exhausted (48-bit PA)');
    this.next = first + npages;
    return first;
  }

  /** pfn of the huge zero page of `npages` pages (a PMD), allocated on first use. */
  hugeZeroPfn(npages: number): number {
    this.hugeZero ??= { pfn: this.alloc(npages), npages };
    return this.hugeZero.pfn;
  }

  /** Is `pfn` a page of the shared zero page or of the huge zero page (is_zero_pfn, is_huge_zero_pfn)? */
  isZero(pfn: number): boolean {
    const h = this.hugeZero;
    return pfn === this.zeroPfn || (h !== undefined && pfn >= h.pfn && pfn < h.pfn + h.npages);
  }
}
