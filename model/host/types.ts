/** Contract of the host-mm environment that both executors (model and impl) drive (DESIGN §1). */
import type { Errno, PgProt, VmaKind, VmaProt } from '../types';

/** Arguments of the `mmap` step (DESIGN §3). Addresses are byte numbers (< 2^53). */
export interface VmaSpec {
  hva: number;
  size: number;
  prot: VmaProt;
  kind: VmaKind;
  /** pfnmap only: memory attributes of the VMA's pgprot. Default 'device'. */
  pgprot?: PgProt;
  /** pfnmap only: VM_ALLOW_ANY_UNCACHED (vfio-pci BARs, facts §20d). */
  allowAnyUncached?: boolean;
  /** pfnmap only: the PA mapped at `hva`, i.e. vm_pgoff << PAGE_SHIFT. */
  pa?: number;
  /** hugetlb only: the huge page size (0x200000 or 0x40000000 with 4K pages). */
  hugeSize?: number;
  /** userfaultfd MISSING-mode registration over the whole VMA. */
  uffd?: boolean;
}

/** A live VMA: [start, end). */
export interface Vma extends Readonly<VmaSpec> {
  readonly start: number;
  readonly end: number;
}

/** Told of a copy the host makes through its cacheable linear map (migration, THP collapse): `pages` pages from pfn `srcPfn` to `dstPfn`. */
export type CopyObserver = (srcPfn: number, dstPfn: number, pages: number) => void;

/** The MMU-notifier callbacks a KVM instance registers with the host mm (facts §14). */
export interface MmuNotifierListener {
  invalidateRangeStart(start: number, end: number): void;
  invalidateRangeEnd(start: number, end: number): void;
  /** clear_flush_young: report and clear the young state of [start, end). */
  clearFlushYoung(start: number, end: number): boolean;
  /** test_young: report without clearing. */
  testYoung(start: number, end: number): boolean;
  /**
   * change_pte: the PTE at `hva` now maps `pfn` (set_pte_at_notify in wp_page_copy, inside that
   * copy's own invalidation). Removed in v6.9 (f3b65bbaed7c); a listener may ignore it.
   */
  changePte?(hva: number, pfn: number): void;
}

/** What hva_to_pfn reports for one hva (facts §16). */
export type HvaToPfn =
  | { kind: 'ok'; pfn: number; writable: boolean }
  | { kind: 'fault' }     // no VMA, or PROT_NONE: KVM_PFN_ERR_FAULT
  | { kind: 'roFault' }   // write wanted on a read-only pfnmap PTE: KVM_PFN_ERR_RO_FAULT
  | { kind: 'hwpoison' }; // KVM_PFN_ERR_HWPOISON

/** Options of an hva→pfn lookup: a write fault asks FOLL_WRITE; writability may be reported. */
export interface HvaToPfnOpts {
  write: boolean;
  /** The caller accepts an opportunistically writable pfn for a read (slot not READONLY). */
  writableOk: boolean;
}

/** Result of an mmap-like host call: Linux's 0 or -errno (DESIGN §3 host steps). */
export type HostResult = { ok: true } | { ok: false; errno: Errno };

/** The host PTE at one hva as queries report it: pfn of that page, writability, host leaf size. */
export interface HostPteInfo {
  pfn: number;
  writable: boolean;
  /** Size of the host page-table leaf mapping it (PAGE, PMD, PUD). */
  size: number;
}

/** A host PTE together with how far it extends: every page in [hva, end) is mapped by the same unit. */
export interface HostPteExtent extends HostPteInfo {
  /**
   * First hva past the unit (a pfnmap VMA: past the VMA): for h in [hva, end), `pte(h)` is this
   * PTE with pfn advanced by the whole pages between hva and h, same writability and leaf size.
   */
  end: number;
}
