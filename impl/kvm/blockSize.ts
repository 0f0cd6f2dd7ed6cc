/** Stage-2 mapping size for a fault: VMA page shift, downgrade by the huge-mapping rule, THP adjust (facts §15.4–15.5). */
import { profileHas } from '../../model/kernelProfiles';
import type { Vma } from '../../model/host/types';
import type { KvmCore } from './state';
import type { ImplSlot } from './types';

/**
 * fault_supports_stage2_huge_mapping: (a) gpa ≡ hva (mod size); (b) the size-aligned block around
 * hva lies inside the slot — (b) is skipped by `huge-no-containment` (pre-5.0, facts §22 M5).
 */
export function hugeMappingOk(core: KvmCore, s: ImplSlot, hva: number, size: number): boolean {
  if (size === core.page) return true;
  if (s.gpa % size !== s.hva % size) return false;
  if (core.bugs.has('huge-no-containment')) return true;
  const start = hva - (hva % size);
  return start >= s.hva && start + size <= s.hva + s.size;
}

/**
 * get_vma_page_shift: hugetlb → its huge page size; PFNMAP → PUD / PMD when hva ≡ pa (pa from
 * vm_pgoff), ALIGN_DOWN(hva) ≥ vm_start and ALIGN(hva) ≤ vm_end, else PAGE; anything else PAGE.
 * The end test rounds hva *up*: for a block-aligned hva it is hva ≤ vm_end, always true, so the
 * block may run past the VMA (kernel finding `pfnmap-block-past-vma`, v5.14 to mainline).
 */
export function vmaPageSize(core: KvmCore, vma: Vma, hva: number): number {
  if (vma.kind === 'hugetlb') return vma.hugeSize ?? core.page;
  if (vma.kind !== 'pfnmap' || profileHas(core.config, 'no-pfnmap-vma-block')) return core.page; // 6.1, 6.12: hugetlb only
  const pa = (vma.pa ?? 0) + (hva - vma.start);
  for (const size of [core.pud, core.pmd]) {
    if (size === 0) continue;
    const down = hva - (hva % size);
    const up = hva % size === 0 ? hva : down + size;
    if (hva % size === pa % size && down >= vma.start && up <= vma.end) return size;
  }
  return core.page;
}

/** Result of sizing: the mapping size and whether force_pte is set. Reused object. */
export interface Sizing {
  size: number;
  forcePte: boolean;
}

/**
 * Steps 4–5: logging → PAGE + force_pte (`logging-ignores-force-pte` keeps the VMA size, the
 * a80868f39855 regression); else the VMA size downgraded PUD → PMD → PAGE (+force_pte) until
 * the huge-mapping rule holds. Source: user_mem_abort (facts §15.4).
 */
export function sizeFault(core: KvmCore, s: ImplSlot, vma: Vma, hva: number, logging: boolean, out: Sizing): Sizing {
  if (core.variant === 'pages-only') { out.size = core.page; out.forcePte = true; return out; } // test-only: always a page
  out.forcePte = false;
  let size = vmaPageSize(core, vma, hva);
  if (logging) {
    out.forcePte = true;
    if (!core.bugs.has('logging-ignores-force-pte')) size = core.page;
  }
  if (core.pud !== 0 && size >= core.pud) {
    if (hugeMappingOk(core, s, hva, core.pud)) { out.size = core.pud; return out; }
    size = core.pmd;
  }
  if (size >= core.pmd) {
    if (hugeMappingOk(core, s, hva, core.pmd)) { out.size = core.pmd; return out; }
    size = core.page;
    out.forcePte = true;
  }
  if (size > core.page) out.forcePte = true; // CONT_PTE sizes → PAGE with force_pte
  out.size = core.page;
  return out;
}
