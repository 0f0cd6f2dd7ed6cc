/**
 * Known kernel findings: places where mainline (which `impl/` follows bit for bit) does something the
 * specification (`model/`) does not permit. Each is caught by a named invariant and has a minimal
 * trace in reports/corpus/ whose recorded verdict is that invariant. The impl notes the path it
 * takes into each (impl/kernelPaths.ts); a violation of the invariant at a step where the impl took
 * the path is *known* (Violation.known), any other is new. Exit 1 and the nightly merge fail on new ones only.
 */
import type { KernelPath } from '../impl/kernelPaths';

/** One registered kernel finding. */
export interface KernelFinding {
  /** Short stable id (kebab-case), the impl's path of the same name (impl/kernelPaths.ts); the corpus trace is `reports/corpus/kernel-<id>.json`. */
  readonly id: KernelPath;
  /** What the kernel does, in one line. */
  readonly title: string;
  /** Kernel function(s) and file where it happens. */
  readonly kernelFunction: string;
  /** Kernel versions that behave so. */
  readonly versions: string;
  /** What the specification says instead. */
  readonly specification: string;
  readonly severity: 'high' | 'medium' | 'low';
  /** The named invariant that catches it (first in checking order at the failing step). */
  readonly invariant: string;
}

export const KERNEL_FINDINGS: readonly KernelFinding[] = [
  {
    id: 'pfnmap-block-past-vma',
    title: 'A PFNMAP fault at a block-aligned hva maps a whole Device block even when the VMA ends inside it',
    kernelFunction: 'get_vma_page_shift() (arch/arm64/kvm/mmu.c): the end test is ALIGN(hva, size) <= vm_end, true for any block-aligned hva',
    versions: 'the mainline get_vma_page_shift(vma, hva) that sizes PFNMAP VMAs from vm_pgoff (first 2aa53d68cee6, v5.13); not in Debian 6.1.192 and 6.12.118, whose get_vma_page_shift sizes hugetlb VMAs only, so those map PFNMAP pages (profile no-pfnmap-vma-block, seen under QEMU)',
    specification: 'A stage-2 leaf maps only PAs the host maps at the corresponding hvas: a PFNMAP block must lie wholly inside its VMA (else map a page).',
    severity: 'high',
    invariant: 'PFNMAP_BLOCK_WITHIN_VMA',
  },
  {
    id: 'ioremap-in-slot-relaxed',
    title: 'A permission fault on a kvm_phys_addr_ioremap page inside a memslot relaxes the Device leaf to the slot\'s rights (W; X on an exec fault or with DIC)',
    kernelFunction: 'user_mem_abort() → kvm_pgtable_stage2_relax_perms() (arch/arm64/kvm/mmu.c, hyp/pgtable.c): perms come from the slot\'s host page, the leaf\'s pfn and memory type are not looked at',
    versions: 'v5.10 (relax_perms path) to mainline v6.17',
    specification: 'An ioremap leaf keeps Device, no X and W only if asked; a fault there installs what the slot maps, never a writable or executable Device page.',
    severity: 'medium',
    invariant: 'IOREMAP_LEAF_AS_REQUESTED',
  },
  {
    id: 'pfnmap-prot-none-mapped',
    title: 'A guest read of a populated PROT_NONE PFNMAP range is mapped read-only at stage 2',
    kernelFunction: 'hva_to_pfn() → hva_to_pfn_remapped() → follow_pfnmap_start() (virt/kvm/kvm_main.c, mm/memory.c): any present PTE is taken, the VMA\'s permissions are not checked; arm64 PROT_NONE PTEs are present',
    versions: 'all versions with hva_to_pfn_remapped (follow_pte before v6.12) to mainline v6.17',
    specification: 'The host made the range inaccessible: the fault fails with EFAULT and nothing is mapped.',
    severity: 'medium',
    invariant: 'PROT_NONE_NEVER_MAPPED',
  },
  {
    id: 'pud-fault-level2-livelock',
    title: 'With 4K pages and a 32–34-bit IPA space (stage 2 starts at level 2), an access to a 1 GiB hugetlb page faults forever: a write where the page was mapped read-only, or any access in a 2 MiB part that was unmapped while the rest stayed',
    kernelFunction: 'user_mem_abort() (arch/arm64/kvm/mmu.c): vma_pagesize stays PUD_SIZE whatever the start level, the first fault maps 512 level-2 blocks, and the write permission fault (fault_granule 2 MiB ≠ PUD_SIZE) goes to kvm_pgtable_stage2_map(), whose stage2_map_walker_try_leaf() returns -EAGAIN at the first leaf that only differs in permissions or not at all (stage2_pte_needs_update) and the walk stops; user_mem_abort returns 0 and the guest retakes the same fault',
    versions: 'v5.12 (relax only when vma_pagesize == fault_granule; -EAGAIN when only permissions differ) to mainline v6.17; observed on Debian 6.1.192 and 6.12.118 under QEMU (npm run real: the read completes, the write spins; the same trace with a 40-bit IPA space completes)',
    specification: 'An access the slot permits completes: a permission fault relaxes the level-2 block that took it, and a mapping installs every leaf that differs in more than permissions.',
    severity: 'high',
    invariant: 'NO_FAULT_LIVELOCK',
  },
  {
    id: 's1ptw-device-livelock',
    title: 'A guest whose stage-1 page tables sit in a writable Device PFNMAP (a PCI BAR) hangs its vCPU: every walk takes a stage-2 permission fault that KVM "fixes" by relaxing a leaf that is already writable',
    kernelFunction: 'HCR_EL2.PTW (HCR_GUEST_FLAGS) faults a walk to Device memory; kvm_handle_guest_abort → user_mem_abort treats the S1PTW permission fault as a write (kvm_is_write_fault) and calls kvm_pgtable_stage2_relax_perms(), which changes nothing, then re-enters the guest; where the Device page is a kvm_phys_addr_ioremap inside a memslot with a larger host page, the map path instead installs the slot\'s memory over it and the walk completes',
    versions: 'seen on Debian 6.1.0-57 and 6.12.118 under QEMU (npm run real: real fuzz found it, real/corpus/s1ptw-device-livelock.json); the same path in mainline v6.17 source',
    specification: 'A walk that can never complete ends: a data abort is injected, as for a walk outside memory (a READONLY slot already gets one, a read-only host page EFAULT).',
    severity: 'low',
    invariant: 'WALK_TO_DEVICE_ABORTS',
  },
  {
    id: 'pfnmap-prot-none-livelock',
    title: 'A guest access to a PROT_NONE PFNMAP page, in a memslot that could hold a PMD block around it, is replayed forever (6.12 only)',
    kernelFunction: 'user_mem_abort() (arch/arm64/kvm/mmu.c) of Debian 6.12.118: probable path, not confirmed by tracing, transparent_hugepage_adjust → get_user_mapping_size meeting the invalid (PROT_NONE) user PTE and returning -EAGAIN, so the fault ends without a mapping and the guest retakes it',
    versions: 'Debian 6.12.118 under QEMU (npm run real, 15 traces, real/corpus/prot-none-pfnmap-*.json); 6.1.192 maps the page instead (pfnmap-prot-none-mapped); mainline not checked on a real kernel. The impl follows it only under config.kernel 6.12 (profile deviation of the same name)',
    specification: 'The host made the range inaccessible: the fault fails with EFAULT and nothing is mapped; a vCPU never spins on a fault KVM cannot resolve.',
    severity: 'medium',
    invariant: 'PROT_NONE_NEVER_MAPPED',
  },
  {
    id: 'change-pte-in-open-invalidation',
    title: 'A copy-on-write while another invalidation of the same hva is in progress maps the new page at stage 2 inside that invalidation, which never unmaps it again (6.1; gone since v6.9)',
    kernelFunction: 'kvm_mmu_notifier_change_pte() (virt/kvm/kvm_main.c) only asks that some invalidation be in progress, and arm64 kvm_set_spte_gfn() (arch/arm64/kvm/mmu.c) installs a read-only leaf; an outer invalidation (a MADV_DONTNEED zap that has not reached the PTE yet) then clears the PTE and frees the page after its own unmap ran: stage 2 keeps mapping the freed page',
    versions: 'arm64 kernels with change_pte (to v6.8; f3b65bbaed7c removed it in v6.9); Debian 6.1.192 by source reading. Not reproducible under QEMU by a single-threaded VMM (needs a zap racing a copy-on-write); the impl takes the path under config.kernel 6.1 (profile change-pte-maps-cow-page)',
    specification: 'While an invalidation of an hva is open no stage-2 leaf maps its gfn: the invalidator may still change or free the page and unmaps only at its start.',
    severity: 'medium',
    invariant: 'NO_STALE_PFN',
  },
];

/**
 * The known kernel finding a violation of `invariant` is: the registered finding caught by that
 * invariant whose path (impl/kernelPaths.ts) the impl took during the violating step. Another
 * violation of the same invariant (a new livelock, say) is not known: it is a new finding.
 */
export const knownKernelFinding = (invariant: string, paths: ReadonlySet<string>): KernelFinding | undefined =>
  KERNEL_FINDINGS.find((k) => k.invariant === invariant && paths.has(k.id));

/** The registered finding with this id. */
export const kernelFindingById = (id: string | undefined): KernelFinding | undefined => KERNEL_FINDINGS.find((k) => k.id === id);

/** Whether some registered finding is caught by `invariant` (its fixture is then a mainline trace). */
export const catchesKernelFinding = (invariant: string): boolean => KERNEL_FINDINGS.some((k) => k.invariant === invariant);

/** File name of a kernel finding's corpus trace (in reports/corpus/). */
export const kernelFindingCorpusFile = (k: KernelFinding): string => `kernel-${k.id}.json`;
