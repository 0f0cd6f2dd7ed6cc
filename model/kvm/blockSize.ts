/** Largest stage-2 leaf KVM may use for a fault: VMA size, huge-mapping rule, THP, force_pte (facts §15.4–15.5). */
import type { Vma } from '../host/types';
import type { Granule } from '../types';

/** A memslot's placement, as the huge-mapping rule needs it. */
export interface SlotPlacement {
  gpa: number;
  hva: number;
  size: number;
}

const BLOCKS_4K: readonly number[] = [0x40000000, 0x200000];
const BLOCKS_16K: readonly number[] = [0x2000000];
const BLOCKS_64K: readonly number[] = [0x20000000];

/** Stage-2 block sizes KVM uses per granule, largest first (facts §1.1: 4K L1+L2, 16K/64K L2 only). */
export function blockSizes(granule: Granule): readonly number[] {
  if (granule === 4096) return BLOCKS_4K;
  if (granule === 16384) return BLOCKS_16K;
  return BLOCKS_64K;
}

/**
 * The largest leaf a stage 2 of this geometry can hold: with 4K pages a level-1 block (1 GiB) only
 * when the walk starts at level 1 or 0, i.e. an IPA space of at least 35 bits (the level count is
 * that of ia_bits − 4, root tables concatenated: stage2_pgtable_levels, kvm_get_vtcr); otherwise
 * a level-2 block. A larger mapping is made of leaves of this size. Source: Arm ARM D8.3 (block
 * descriptors per level), kvm_pgtable_stage2_map walking from the start level.
 */
export function largestLeafSize(granule: Granule, iaBits: number): number {
  return granule === 4096 && iaBits >= 35 ? BLOCKS_4K[0] : pmdSize(granule);
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

/** Inputs of steps 4–5: the slot, the VMA, the faulting hva, and whether dirty logging is active. */
export interface VmaLeafInput {
  slot: SlotPlacement;
  vma: Vma;
  hva: number;
  granule: Granule;
  logging: boolean;
}

/** The size steps 4–5 pick and whether they set force_pte. */
export interface VmaLeaf {
  size: number;
  forcePte: boolean;
}

/**
 * Steps 4–5: logging forces PAGE (force_pte); else the VMA's size downgraded PUD → PMD until the
 * huge-mapping rule holds, a failed block ending at PAGE with force_pte.
 * Source: user_mem_abort steps 4–5, get_vma_page_shift (facts §15.4–15.5).
 */
export function vmaLeafSize(inp: VmaLeafInput): VmaLeaf {
  const { granule, slot, hva } = inp;
  if (inp.logging) return { size: granule, forcePte: true };
  const suggested = vmaSuggestedSize(inp.vma, hva, granule);
  for (const s of blockSizes(granule)) {
    if (suggested >= s && hugeRuleHolds(slot, hva, s, granule)) return { size: s, forcePte: false };
  }
  return { size: granule, forcePte: suggested > granule };
}

/** Inputs of `maxLeafSize`. `hostLeaf` is the host user page-table leaf size at hva (THP). */
export interface LeafSizeInput extends VmaLeafInput {
  nonCacheable: boolean;
  hostLeaf: number;
}

/**
 * Step 14's THP upgrade: a PAGE size without force_pte, for cacheable memory whose host leaf at
 * hva is at least a PMD and where the PMD huge-mapping rule holds, becomes PMD.
 * Source: transparent_hugepage_adjust, user_mem_abort step 14 (facts §15.4).
 */
export function thpAdjust(inp: LeafSizeInput, v: VmaLeaf): number {
  const pmd = pmdSize(inp.granule);
  if (v.size !== inp.granule || v.forcePte || inp.nonCacheable) return v.size;
  return hugeRuleHolds(inp.slot, inp.hva, pmd, inp.granule) && inp.hostLeaf >= pmd ? pmd : v.size;
}

/**
 * Largest leaf allowed: steps 4–5 then the THP upgrade of step 14 (the permission-fault branch of
 * step 14 keeps an existing leaf's size, which these rules allowed when it was installed).
 * Source: user_mem_abort steps 4–6 and 14 (facts §15.4), transparent_hugepage_adjust.
 */
export function maxLeafSize(inp: LeafSizeInput): number {
  return thpAdjust(inp, vmaLeafSize(inp));
}
