/** Range helpers shared by the host operations: THP splits at range edges and PTE zapping. */
import type { HostPte } from './hostPtes';
import type { MmState } from './state';

/** [s, e) grown to whole THPs where an edge cuts one: the split invalidates the whole PMD (__split_huge_pmd). */
export function expandForThp(st: MmState, s: number, e: number): [number, number] {
  const a = st.ptes.thpStraddling(s);
  const b = st.ptes.thpStraddling(e);
  return [a !== undefined ? a.hva : s, b !== undefined ? b.hva + b.size : e];
}

/**
 * Split a THP unit into page PTEs (__split_huge_pmd): a THP keeps its pfns; the huge zero page
 * becomes PTEs of the small zero page (__split_huge_zero_page_pmd).
 */
export function splitThp(st: MmState, u: HostPte): void {
  st.ptes.splitThp(u, st.pageSize, st.alloc.isZero(u.pfn) ? st.alloc.zeroPfn : undefined);
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
