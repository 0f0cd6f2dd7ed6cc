/** The part of the host-mm environment (model/host) that the KVM model reads and drives. */
import type { HostMm } from '../host/hostMm';
import type { CopyObserver, HostPteExtent, HostPteInfo, HvaToPfn, HvaToPfnOpts, MmuNotifierListener, Vma } from '../host/types';

/**
 * What KvmModel needs from HostMm (model/host). HostMm satisfies it structurally.
 * Source: the host side of facts §14 (notifier), §16 (hva_to_pfn), §15.4 (VMA, THP leaf size).
 */
export interface HostView {
  /** Register KVM's MMU-notifier callbacks. */
  subscribe(listener: MmuNotifierListener): void;
  /** hva_to_pfn: may fault the page in (and count a uffd fault). */
  hvaToPfn(hva: number, opts: HvaToPfnOpts): HvaToPfn;
  /** Size of the host user page-table leaf mapping `hva` (0 when nothing is mapped). */
  hostLeafSize(hva: number): number;
  /** The VMA containing `hva`. */
  findVma(hva: number): Vma | undefined;
  /** The host PTE at `hva` as a pure query (no fault, no uffd); undefined when not populated. */
  pte(hva: number): HostPteInfo | undefined;
  /** `pte(hva)` and how far its unit extends (pfns advance page by page up to `end`). */
  pteExtent(hva: number): HostPteExtent | undefined;
  /** VMAs intersecting [hva, hva + size). */
  vmasIntersecting(hva: number, size: number): readonly Vma[];
  /** userfaultfd MISSING faults handled so far. */
  readonly uffdFaults: number;
  /** True when `pfn` is host RAM (in the kernel linear map); false for device memory. */
  isRamPfn(pfn: number): boolean;
  /**
   * follow_pfnmap_start: the present PTE of a VM_PFNMAP VMA at `hva` whatever the VMA's protection
   * (arm64 PROT_NONE PTEs are present); undefined outside a pfnmap VMA.
   */
  followPfnmap(hva: number): HostPteInfo | undefined;
  /** Be told of the host's page copies through its cacheable map (src pfn, dst pfn, pages); the impl's D-cache uses it. */
  observeCopies?(fn: CopyObserver): void;
}

/** The real host mm as a HostView (a compile-time check that HostMm satisfies the view). */
export function asHostView(host: HostMm): HostView {
  return host;
}
