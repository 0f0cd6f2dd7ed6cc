/** HostMm: the host-mm environment both executors drive — VMAs, host PTEs, zero page, RAM allocator, MMU notifier. */
import type { HostThp, VmaProt } from '../types';
import { S2InputError } from '../types';
import { PAGE_SIZES, checkAddr, checkRange, hugetlbLeafSize, hugetlbSizes, isRamPfn, pmdSizeOf } from './constants';
import { faultIn, pfnAt, pfnmapPte } from './fault';
import type { HostPte } from './hostPtes';
import { PteTable } from './hostPtes';
import { madviseDontneedOp } from './madvise';
import { migrateOp } from './migrate';
import { mprotectOp } from './mprotect';
import { Notifier } from './notifier';
import { PageCache } from './pageCache';
import { PfnAllocator } from './pfnAllocator';
import type { MmState } from './state';
import { thpCollapseOp, thpSplitOp } from './thp';
import { profileHas, type KernelProfile } from '../kernelProfiles';
import type { CopyObserver, HostPteExtent, HostPteInfo, HostResult, HvaToPfn, HvaToPfnOpts, MmuNotifierListener, Vma, VmaSpec } from './types';
import { mmapOp, munmapOp } from './unmap';
import { VmaList, type VmaRec } from './vmas';
import { expandForThp, splitThpAt, zapRange } from './zap';

/** Options of a host mm. */
export interface HostMmOptions {
  /** Host PAGE_SIZE = KVM granule: 4096 (default), 16384 or 65536. */
  pageSize?: number;
  /** Kernel profile whose host-mm answers apply (model/kernelProfiles.ts); default mainline. */
  kernel?: KernelProfile;
  /** Host THP policy (Config.thp); default `never`. */
  thp?: HostThp;
}

/**
 * One host mm. Deterministic: the same call sequence gives the same pfns. Every change to an
 * existing host PTE runs inside exactly one invalidateRangeStart/End pair on the listeners.
 */
export class HostMm {
  /** Host page size in bytes. */
  readonly pageSize: number;
  /** Size mapped by one PMD (THP size): pageSize²/8. */
  readonly pmdSize: number;
  /** pfn of the shared zero page (the first RAM page). */
  readonly zeroPfn: number;
  private readonly st: MmState;

  constructor(opts: HostMmOptions = {}) {
    const pageSize = opts.pageSize ?? 4096;
    if (!PAGE_SIZES.includes(pageSize)) throw new S2InputError('pageSize', `must be one of ${PAGE_SIZES.join(', ')}`);
    this.pageSize = pageSize;
    this.pmdSize = pmdSizeOf(pageSize);
    const alloc = new PfnAllocator(pageSize);
    this.zeroPfn = alloc.zeroPfn;
    const sizes = [...new Set([pageSize, this.pmdSize, ...hugetlbSizes(pageSize)])].sort((a, b) => a - b);
    this.st = {
      pageSize, pmdSize: this.pmdSize, alloc, vmas: new VmaList(profileHas(opts, 'mmap-merge-next-first')), ptes: new PteTable(sizes, this.pmdSize),
      cache: new PageCache(), notifier: new Notifier(), copyObservers: [], uffdFaults: 0, thpAlways: opts.thp === 'always',
      collapseHoleErrno: profileHas(opts, 'collapse-hole-einval') ? 'EINVAL' : 'EBUSY',
      shmemCollapseHoleOk: profileHas(opts, 'shmem-collapse-uffd-hole-ok'),
    };
  }

  /** Be told of the host's page copies (migrate_pages' copy, collapse_huge_page's copy): the hardware caches see them (impl/dcache.ts). */
  observeCopies(fn: CopyObserver): void {
    this.st.copyObservers.push(fn);
  }

  /** Register MMU-notifier callbacks; they are called in subscription order. */
  subscribe(listener: MmuNotifierListener): void {
    this.st.notifier.subscribe(listener);
  }

  /** mmap(MAP_FIXED): replaces overlapping VMAs (an unmap, notified). */
  mmap(spec: VmaSpec): HostResult {
    return mmapOp(this.st, spec);
  }

  /** munmap(hva, size). */
  munmap(hva: number, size: number): HostResult {
    return munmapOp(this.st, hva, size);
  }

  /** mprotect(hva, size, prot). */
  mprotect(hva: number, size: number, prot: VmaProt): HostResult {
    return mprotectOp(this.st, hva, size, prot);
  }

  /** madvise(hva, size, MADV_DONTNEED). */
  madviseDontneed(hva: number, size: number): HostResult {
    return madviseDontneedOp(this.st, hva, size);
  }

  /** Migrate the page at hva to new pfns (no-op if unpopulated or the zero page). */
  migrate(hva: number): HostResult {
    return migrateOp(this.st, hva);
  }

  /** Collapse the PMD range around hva into a THP (anon only). */
  thpCollapse(hva: number): HostResult {
    return thpCollapseOp(this.st, hva);
  }

  /** Split the THP around hva into pages (same pfns). */
  thpSplit(hva: number): HostResult {
    return thpSplitOp(this.st, hva);
  }

  /**
   * Start an invalidation of [hva, hva+size) and leave it open; returns its id (0, 1, …).
   * The host change happens at begin, as a hole punch: PTEs fully inside are dropped and their
   * pages freed (file pages leave the page cache too); a touch, during or after, repopulates.
   */
  invalidateBegin(hva: number, size: number): number {
    const end = checkRange(hva, size, this.pageSize);
    // A punch that cuts a THP splits it first, which notifies the whole PMD (__split_huge_pmd) and ends.
    const [ns, ne] = expandForThp(this.st, hva, end);
    if (ns < hva || ne > end) this.st.notifier.around(ns, ne, () => { splitThpAt(this.st, hva); splitThpAt(this.st, end); });
    return this.st.notifier.begin(hva, end, () => zapRange(this.st, hva, end, true));
  }

  /** End the open invalidation `id`; throws S2InputError('id') if unknown or already ended. */
  invalidateEnd(id: number): void {
    this.st.notifier.end(id);
  }

  /** Invalidations still open, in id order. */
  openInvalidations(): Array<{ id: number; start: number; end: number }> {
    return this.st.notifier.openRanges();
  }

  /** clear_flush_young over [hva, hva+size): OR of the listeners' answers (no host young bits kept). */
  age(hva: number, size: number): boolean {
    return this.st.notifier.clearFlushYoung(hva, checkRange(hva, size, this.pageSize));
  }

  /** test_young over [hva, hva+size). */
  testAge(hva: number, size: number): boolean {
    return this.st.notifier.testYoung(hva, checkRange(hva, size, this.pageSize));
  }

  /**
   * hva_to_pfn (facts §16): no VMA / PROT_NONE / write to a read-only VMA → fault; a pfnmap
   * write on a read-only PTE → roFault. A read populates (zero page for untouched anon) and is
   * writable only if writableOk and the PTE is writable: the FOLL_WRITE fast path never faults, so
   * a read of an untouched anon page yields the read-only zero page (hva_to_pfn_fast/slow).
   */
  hvaToPfn(hva: number, opts: HvaToPfnOpts): HvaToPfn {
    checkAddr('hva', hva);
    const rec = this.st.vmas.find(hva);
    if (rec?.vma.kind === 'pfnmap' && rec.vma.prot !== 'none' && opts.write && !pfnmapPte(this.st, rec, hva).writable) return { kind: 'roFault' };
    return this.resolve(hva, opts.write, opts.writableOk);
  }

  /**
   * A host CPU access (e.g. the VMM's MMIO handler writing guest memory): same faults, uffd counted.
   * A store through a pfnmap PTE dirties it, and one on a read-only PTE of a writable shared pfnmap
   * makes it writable (do_wp_page → wp_pfn_shared → wp_page_reuse; VmaRec.pfnDirty); GUP never does.
   */
  touch(hva: number, write: boolean): HvaToPfn {
    checkAddr('hva', hva);
    const r = this.resolve(hva, write, true);
    if (!write || r.kind !== 'ok') return r;
    const rec = this.st.vmas.find(hva);
    if (rec?.pfnDirty === undefined) return r;
    rec.pfnDirty.add(hva - (hva % this.pageSize));
    return { kind: 'ok', pfn: r.pfn, writable: true };
  }

  /** Size of the host page-table leaf mapping hva (PAGE, PMD, PUD), 0 if not populated (get_user_mapping_size). */
  hostLeafSize(hva: number): number {
    return this.pte(hva)?.size ?? 0;
  }

  /** The host PTE at hva: pfn of that page, write bit, leaf size; undefined if none or PROT_NONE. */
  pte(hva: number): HostPteInfo | undefined {
    const u = this.unitAt(checkAddr('hva', hva));
    if (u === undefined) return undefined;
    return { pfn: pfnAt(this.st, u, hva), writable: u.writable, size: this.leafSize(u) };
  }

  /** `pte(hva)` and the end of the unit mapping it (a pfnmap VMA counts as one unit: its pfns run on linearly). */
  pteExtent(hva: number): HostPteExtent | undefined {
    const rec = this.st.vmas.find(checkAddr('hva', hva));
    const u = this.unitIn(rec, hva);
    if (rec === undefined || u === undefined) return undefined;
    const end = rec.vma.kind === 'pfnmap' ? rec.vma.end : u.hva + u.size;
    return { pfn: pfnAt(this.st, u, hva), writable: u.writable, size: this.leafSize(u), end };
  }

  /**
   * follow_pfnmap_start (mm/memory.c): the PTE of a pfnmap VMA, present whatever the VMA's protection
   * (pte_present() is true for arm64 PROT_NONE PTEs; pfnmap PTEs are populated eagerly, as by
   * remap_pfn_range). Undefined outside a pfnmap VMA. No fault, no notifier.
   */
  followPfnmap(hva: number): HostPteInfo | undefined {
    const rec = this.st.vmas.find(checkAddr('hva', hva));
    if (rec === undefined || rec.vma.kind !== 'pfnmap') return undefined;
    const u = pfnmapPte(this.st, rec, hva);
    return { pfn: pfnAt(this.st, u, hva), writable: u.writable, size: u.size };
  }

  /** The VMA containing hva. */
  findVma(hva: number): Vma | undefined {
    return this.st.vmas.find(checkAddr('hva', hva))?.vma;
  }

  /** VMAs intersecting [hva, hva+size), in address order. */
  vmasIntersecting(hva: number, size: number): Vma[] {
    const end = checkAddr('hva', hva) + checkAddr('size', size);
    return this.st.vmas.intersecting(hva, end).map((r) => r.vma);
  }

  /** Every populated host mapping unit (page, THP, hugetlb page) in hva order, whatever its VMA's protection: a state snapshot (properties/explore). */
  units(): readonly HostPte[] {
    return this.st.ptes.overlapping(0, Number.MAX_SAFE_INTEGER);
  }

  /** Whether the pfnmap VMA at hva has read-only PTEs whatever its protection now (VmaRec.pfnReadOnly). */
  pfnReadOnlyAt(hva: number): boolean {
    return this.st.vmas.find(hva)?.pfnReadOnly === true;
  }

  /** The pages of the pfnmap VMA at hva whose PTE is dirty (VmaRec.pfnDirty), ascending. */
  pfnDirtyAt(hva: number): number[] {
    const rec = this.st.vmas.find(hva);
    if (rec?.pfnDirty === undefined) return [];
    return [...rec.pfnDirty].filter((p) => p >= rec.vma.start && p < rec.vma.end).sort((a, b) => a - b);
  }

  /** All VMAs in address order. */
  vmas(): Vma[] {
    return this.st.vmas.all().map((r) => r.vma);
  }

  /** Number of userfaultfd MISSING faults the handler has served. */
  get uffdFaults(): number {
    return this.st.uffdFaults;
  }

  /** Is pfn a page of the shared zero page or of the huge zero page? */
  isZeroPfn(pfn: number): boolean {
    return this.st.alloc.isZero(pfn);
  }

  /** Is pfn host RAM (PA >= 0x80000000)? */
  isRamPfn(pfn: number): boolean {
    return isRamPfn(pfn, this.pageSize);
  }

  private resolve(hva: number, write: boolean, writableOk: boolean): HvaToPfn {
    const r = faultIn(this.st, hva, write);
    if (r.kind === 'fault') return r;
    return { kind: 'ok', pfn: pfnAt(this.st, r.pte, hva), writable: writableOk && r.pte.writable };
  }

  private unitAt(hva: number): HostPte | undefined {
    return this.unitIn(this.st.vmas.find(hva), hva);
  }

  /** The unit mapping hva inside the VMA record `rec` (the one containing hva). */
  private unitIn(rec: VmaRec | undefined, hva: number): HostPte | undefined {
    if (rec === undefined || rec.vma.prot === 'none') return undefined;
    return rec.vma.kind === 'pfnmap' ? pfnmapPte(this.st, rec, hva) : this.st.ptes.lookup(hva);
  }

  private leafSize(u: HostPte): number {
    return u.kind === 'huge' ? hugetlbLeafSize(u.size, this.pageSize) : u.size;
  }
}
