/**
 * Kernel profiles (`config.kernel`): the behaviours in which an older kernel that s2check runs for
 * real (Debian's 6.1 and 6.12, `npm run real`) differs from mainline, which the specification and
 * `impl/` follow by default. Two kinds of entry:
 * - `feature` / `host`: the older kernel lacks a later KVM feature (or has one since removed) or has
 *   another host-mm answer. That is what the specification is *for that version*: model and impl both
 *   follow it, the impl alone where it breaks an invariant (then a registered kernel finding).
 * - `deviation`: the older kernel does something the specification does not permit (a kernel
 *   finding on that version). Only the impl follows it; the model stays the specification.
 * Each entry cites the commit and version it comes from, or the real-kernel run that showed it.
 */
import type { Config } from './types';

/** Kernel profiles; `mainline` (the default) has no entry. */
export const KERNEL_PROFILES = ['mainline', '6.12', '6.1'] as const;
export type KernelProfile = (typeof KERNEL_PROFILES)[number];

/** Ids of profile entries. */
export type ProfileEntryId = 'no-allow-any-uncached' | 'no-cacheable-pfnmap' | 'no-pfnmap-vma-block' | 'collapse-hole-einval' | 'shmem-collapse-uffd-hole-ok' | 'pfnmap-prot-none-livelock' | 'mmap-merge-next-first' | 'change-pte-maps-cow-page';

export interface ProfileEntry {
  readonly id: ProfileEntryId;
  readonly kind: 'feature' | 'host' | 'deviation';
  /** Profiles that behave so (never `mainline`). */
  readonly kernels: readonly Exclude<KernelProfile, 'mainline'>[];
  /** What the kernel does, in one line. */
  readonly what: string;
  /** Commit and version, or the observation. */
  readonly source: string;
}

export const PROFILE_ENTRIES: readonly ProfileEntry[] = [
  {
    id: 'no-allow-any-uncached', kind: 'feature', kernels: ['6.1'],
    what: 'VM_ALLOW_ANY_UNCACHED is not looked at: a non-RAM PFNMAP is always mapped Device-nGnRE, never Normal-NC',
    source: '8c47ce3e1d2c "KVM: arm64: Set io memory s2 pte as normalnc for vfio pci device" (v6.9)',
  },
  {
    id: 'no-cacheable-pfnmap', kind: 'feature', kernels: ['6.1', '6.12'],
    what: 'a non-RAM PFNMAP is mapped non-cacheable whatever its pgprot (kvm_is_device_pfn), and a memslot over a cacheable one is accepted',
    source: 'kvm-arm64/cacheable-pfnmap series: 2a8dfab26677 "Block cacheable PFNMAP mapping" and "Allow cacheable stage 2 mapping using VMA flags" (v6.16-v6.17)',
  },
  {
    id: 'no-pfnmap-vma-block', kind: 'feature', kernels: ['6.1', '6.12'],
    what: 'a PFNMAP VMA is not sized from vm_pgoff: get_vma_page_shift sizes hugetlb VMAs only, so a PFNMAP fault maps a page (6.12 then asks transparent_hugepage_adjust, which a 4K host PTE keeps at a page)',
    source: 'get_vma_page_shift(vma) in Debian 6.1.192 arch/arm64/kvm/mmu.c:1080 and 6.12.118 :1369 (hugetlb only); the PFNMAP branch (2aa53d68cee6, v5.13) is in the mainline the impl reads, get_vma_page_shift(vma, hva); seen on both kernels under QEMU: the second page of a 2 MiB-aligned BAR slot takes a level-3 fault (real/corpus/pfnmap-vma-no-block*.json)',
  },
  {
    id: 'collapse-hole-einval', kind: 'host', kernels: ['6.1'],
    what: 'MADV_COLLAPSE that meets an empty PTE in a uffd-armed range fails EINVAL (later kernels: EBUSY)',
    source: 'madvise_collapse_errno(): SCAN_EXCEED_NONE_PTE falls to EINVAL in v6.1-v6.2, EBUSY later; seen on Debian 6.1 and 6.12 (npm run real, real/corpus/thp-collapse-uffd-ebusy.json)',
  },
  {
    id: 'shmem-collapse-uffd-hole-ok', kind: 'host', kernels: ['6.1'],
    what: 'MADV_COLLAPSE of a uffd-armed shmem range with pages missing from the page cache collapses it (later kernels: EBUSY, as for anon)',
    source: 'seen on Debian 6.1.192 (ok) and 6.12.118 (EBUSY) under QEMU (npm run real, real/corpus/thp-collapse-shmem.json); the uffd test on a shmem hole in collapse_file / hpage_collapse_scan_file is later than v6.1 (as read, commit not identified)',
  },
  {
    id: 'mmap-merge-next-first', kind: 'host', kernels: ['6.1'],
    what: 'a new anonymous mapping merges into its next VMA first and then into its previous one only if that accepts the next one\'s anon_vma: between a previous VMA without an anon_vma and a next one with one, it joins the next only (later kernels merge all three)',
    source: 'mmap_region() in Debian 6.1.192 mm/mmap.c: "Check next" then "Check prev" with can_vma_merge_after(prev, ..., vma->anon_vma), whose is_mergeable_anon_vma fails on prev\'s empty anon_vma_chain; 6.12 merges prev, new and next at once (vma_merge_new_range). Seen under QEMU: MADV_COLLAPSE over the small part left is EINVAL on 6.1, ENOMEM on 6.12 (real/corpus/mmap-merge-next-first.json)',
  },
  {
    id: 'change-pte-maps-cow-page', kind: 'feature', kernels: ['6.1'],
    what: 'a copy-on-write\'s new page is mapped read-only at once (change_pte), a page leaf, where a last-level table is left after the copy\'s own unmap; also while another invalidation of that hva is open (kernel finding change-pte-in-open-invalidation)',
    source: 'kvm_mmu_notifier_change_pte → kvm_set_spte_gfn in Debian 6.1.192 (kvm_pgtable_stage2_map PAGE_SIZE, PROT_R, NULL memcache); removed by f3b65bbaed7c "KVM: delete .change_pte MMU notifier callback" (v6.9), whose premise (no sPTE left to change) holds for x86, not for arm64, which maps. Seen under QEMU: the read after a VMM store to a zero page takes no stage-2 fault on 6.1, one on 6.12 (real/corpus/change-pte-after-cow.json)',
  },
  {
    id: 'pfnmap-prot-none-livelock', kind: 'deviation', kernels: ['6.12'],
    what: 'a guest access to a PROT_NONE PFNMAP page, in a memslot that could hold a PMD block around it, never completes: the fault is replayed forever',
    source: 'seen on Debian 6.12.118 under QEMU in 15 traces (npm run real; real/corpus/prot-none-pfnmap-*.json): livelock exactly when fault_supports_stage2_huge_mapping(slot, hva, PMD_SIZE) holds, mapped (6.1 too) or EFAULT otherwise. Probable path, not confirmed by tracing: transparent_hugepage_adjust -> get_user_mapping_size sees the invalid (PROT_NONE) user PTE and returns -EAGAIN',
  },
];

const BY_KERNEL: ReadonlyMap<KernelProfile, ReadonlySet<ProfileEntryId>> = new Map(
  KERNEL_PROFILES.map((k) => [k, new Set(PROFILE_ENTRIES.filter((e) => (e.kernels as readonly string[]).includes(k)).map((e) => e.id))]),
);

/** Does the trace's kernel profile have this entry? (mainline, the default, has none.) */
export const profileHas = (config: Pick<Config, 'kernel'>, id: ProfileEntryId): boolean => BY_KERNEL.get(config.kernel ?? 'mainline')?.has(id) ?? false;

/** The entries of one profile. */
export const profileEntries = (kernel: KernelProfile): readonly ProfileEntry[] => PROFILE_ENTRIES.filter((e) => (e.kernels as readonly string[]).includes(kernel));
