/** Largest stage-2 leaf KVM may use for a fault: VMA size, huge-mapping rule, THP, force_pte (facts §15.4–15.5). */
import type { Vma } from '../host/types';
import type { Granule } from '../types';

/** A memslot's placement, as the huge-mapping rule needs it. */
export interface SlotPlacement {
  gpa: number;
  hva: number;
  size: number;
}

/** Stage-2 block sizes KVM uses per granule, largest first (facts §1.1: 4K L1+L2, 16K/64K L2 only). */
export function blockSizes(granule: Granule): number[] {
  if (granule === 4096) return [0x40000000, 0x200000];
  if (granule === 16384) return [0x2000000];
  return [0x20000000];
}

/** PMD-level block size of the granule. */
export function pmdSize(granule: Granule): number {
  const sizes = blockSizes(granule);
  return sizes[sizes.length - 1];
}

/**
 * fault_supports_stage2_huge_mapping: gpa and hva congruent modulo `size`, and the size-aligned
 * block around `hva` inside the slot. Source: arch/arm64/kvm/mmu.c (facts §15.5).
 */
export function hugeRuleHolds(slot: SlotPlacement, hva: number, size: number, granule: Granule): boolean {
  if (size === granule) return true;
  if (slot.gpa % size !== slot.hva % size) return false;
  const blockStart = Math.floor(hva / size) * size;
  return blockStart >= slot.hva && blockStart + size <= slot.hva + slot.size;
}

/** PA mapped at `hva` by a pfnmap VMA: vm_pgoff PA plus the offset into the VMA. Source: user_mem_abort step 4. */
export function pfnmapPa(vma: Vma, hva: number): number {
  return (vma.pa ?? 0) + (hva - vma.start);
}

/**
 * The size the VMA suggests before the huge-mapping rule: hugetlb page size; for PFNMAP the
 * largest block with hva ≡ pa and the aligned block inside the VMA; otherwise PAGE_SIZE.
 * Source: get_vma_page_shift, arch/arm64/kvm/mmu.c (facts §15.4 step 4).
 */
export function vmaSuggestedSize(vma: Vma, hva: number, granule: Granule): number {
  if (vma.kind === 'hugetlb') return vma.hugeSize ?? granule;
  if (vma.kind !== 'pfnmap') return granule;
  const pa = pfnmapPa(vma, hva);
  for (const size of blockSizes(granule)) {
    const start = Math.floor(hva / size) * size;
    if (hva % size === pa % size && start >= vma.start && start + size <= vma.end) return size;
  }
  return granule;
}

/** Inputs of `maxLeafSize`. `hostLeaf` is the host user page-table leaf size at hva (THP). */
export interface LeafSizeInput {
  slot: SlotPlacement;
  vma: Vma;
  hva: number;
  granule: Granule;
  logging: boolean;
  nonCacheable: boolean;
  hostLeaf: number;
}

/**
 * Largest leaf allowed: logging forces PAGE; the VMA size is downgraded until the huge-mapping
 * rule holds (a failed PMD forces PTE); a PAGE result may be upgraded to PMD for a THP-backed,
 * cacheable hva. Source: user_mem_abort steps 4–6 and 14 (facts §15.4), transparent_hugepage_adjust.
 */
export function maxLeafSize(inp: LeafSizeInput): number {
  const { granule, slot, hva } = inp;
  if (inp.logging) return granule;
  const pmd = pmdSize(granule);
  let forcePte = false;
  let size: number = granule;
  for (const s of blockSizes(granule)) {
    if (vmaSuggestedSize(inp.vma, hva, granule) >= s && hugeRuleHolds(slot, hva, s, granule)) { size = s; break; }
  }
  if (size === granule && vmaSuggestedSize(inp.vma, hva, granule) > granule) forcePte = true;
  if (size === granule && !forcePte && !inp.nonCacheable && hugeRuleHolds(slot, hva, pmd, granule) && inp.hostLeaf >= pmd) size = pmd;
  return size;
}
