/** Range helpers shared by the host operations: THP splits at range edges and PTE zapping. */
import { alignDown } from './constants';
import type { HostPte } from './hostPtes';
import type { MmState } from './state';
import { holdsPmd } from './vmas';

/** [s, e) grown to whole THPs where an edge cuts one: the split invalidates the whole PMD (__split_huge_pmd). */
export function expandForThp(st: MmState, s: number, e: number): [number, number] {
  const a = st.ptes.thpStraddling(s);
  const b = st.ptes.thpStraddling(e);
  return [a !== undefined ? a.hva : s, b !== undefined ? b.hva + b.size : e];
}

/**
 * Split a THP unit (__split_huge_pmd): an anon THP becomes page PTEs with its pfns, the huge zero
 * page PTEs of the small zero page (__split_huge_zero_page_pmd); a file PMD (a collapsed shmem
 * folio) is just zapped, its pages refault (__split_huge_pmd_locked, !vma_is_anonymous).
 */
export function splitThp(st: MmState, u: HostPte): void {
  if (st.vmas.find(u.hva)?.vma.kind === 'file') st.ptes.delete(u);
  else st.ptes.splitThp(u, st.pageSize, st.alloc.isZero(u.pfn) ? st.alloc.zeroPfn : undefined);
}

/** The span one PMD table maps (PUD_SIZE with 4K pages): a PMD per entry, pageSize / 8 entries. */
const pudSpan = (st: MmState): number => st.pmdSize * (st.pmdSize / st.pageSize);

/**
 * [s, e) grown to the PMD ranges a VMA split at s or e notifies: moving a VMA boundary to an
 * address that is not PMD-aligned, inside a VMA holding that whole PMD range, calls
 * split_huge_pmd_address (vma_adjust_trans_huge), whose __split_huge_pmd invalidates the PMD range
 * before it looks for a THP — so KVM unmaps the whole 2 MiB whenever the page tables reach there.
 * Seen on arm64 6.12 as stage-2 faults after an munmap or mprotect of one page beside a slot.
 */
export function expandForSplits(st: MmState, s: number, e: number): [number, number] {
  const grow = (a: number): [number, number] | null => {
    const r = st.vmas.find(a);
    const base = alignDown(a, st.pmdSize);
    // a is not PMD-aligned, so a VMA holding its PMD range starts before a: the boundary splits it
    if (a % st.pmdSize === 0 || r === undefined || !holdsPmd(r.vma, base, st.pmdSize)) return null;
    const pud = alignDown(a, pudSpan(st));
    // a pfnmap VMA's page tables exist from its mmap on (remap_pfn_range)
    const tables = st.ptes.populatedIn(pud, pud + pudSpan(st)) || st.vmas.intersecting(pud, pud + pudSpan(st)).some((v) => v.vma.kind === 'pfnmap');
    return tables ? [base, base + st.pmdSize] : null;
  };
  const a = grow(s);
  const b = grow(e);
  return [Math.min(s, a?.[0] ?? s), Math.max(e, b?.[1] ?? e)];
}

/** Split the THP an edge at `addr` cuts, if any (split_huge_pmd on a VMA or range boundary). */
export function splitThpAt(st: MmState, addr: number): void {
  const u = st.ptes.thpStraddling(addr);
  if (u !== undefined) splitThp(st, u);
}

/**
 * Drop the PTEs fully inside [s, e) (zap_page_range); THPs cut by an edge are split first, a
 * hugetlb page only partly inside stays. Anon and hugetlb pages are thereby freed; file pages
 * stay in the page cache unless `punch` (fallocate PUNCH_HOLE) drops them too.
 */
export function zapRange(st: MmState, s: number, e: number, punch = false): void {
  splitThpAt(st, s);
  splitThpAt(st, e);
  for (const u of st.ptes.overlapping(s, e)) {
    if (u.hva >= s && u.hva + u.size <= e) st.ptes.delete(u);
  }
  if (!punch) return;
  for (const r of st.vmas.intersecting(s, e)) {
    if (r.fileId === undefined || r.fileOff === undefined) continue;
    const lo = Math.max(s, r.vma.start) - r.vma.start + r.fileOff;
    const hi = Math.min(e, r.vma.end) - r.vma.start + r.fileOff;
    st.cache.deleteRange(r.fileId, lo / st.pageSize, hi / st.pageSize);
  }
}
