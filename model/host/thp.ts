/** Transparent huge pages of anon VMAs: collapse (khugepaged / MADV_COLLAPSE) and split (__split_huge_pmd). */
import { alignDown, checkAddr } from './constants';
import type { MmState } from './state';
import { OK, fail } from './state';
import type { HostResult } from './types';

/**
 * Collapse the PMD-aligned range around `hva` into one new THP (fresh aligned contiguous pfns,
 * writable iff the VMA is rw), replacing its PTEs under one invalidation of the PMD range.
 * EINVAL unless the range lies in one accessible anon VMA; a uffd-armed VMA must have no empty
 * or zero-page PTE there (hpage_collapse_scan_pmd: SCAN_EXCEED_NONE_PTE, EBUSY; EINVAL on 6.1).
 */
export function thpCollapseOp(st: MmState, hva: number): HostResult {
  const base = alignDown(checkAddr('hva', hva), st.pmdSize);
  const end = base + st.pmdSize;
  const rec = st.vmas.find(base);
  // madvise over a range no VMA touches: ENOMEM (madvise_walk_vmas); observed on arm64 6.1 and 6.12 (npm run real).
  if (rec === undefined && st.vmas.intersecting(base, end).length === 0) return fail('ENOMEM');
  if (rec === undefined || rec.vma.kind !== 'anon' || rec.vma.prot === 'none' || rec.vma.end < end) return fail('EINVAL');
  if (st.ptes.lookup(base)?.kind === 'thp') return OK;
  const old = st.ptes.overlapping(base, end);
  // Nothing present to collapse (no PTE, not even the zero page): hpage_collapse_scan_pmd gives up, EINVAL
  // (observed on arm64 6.1 and 6.12 with npm run real: an untouched range, or one whose pages were all zapped).
  if (old.length === 0) return fail('EINVAL');
  if (rec.vma.uffd && old.filter((u) => u.pfn !== st.alloc.zeroPfn).length * st.pageSize < st.pmdSize) return fail(st.collapseHoleErrno);
  const pfn = st.alloc.alloc(st.pmdSize / st.pageSize);
  st.notifier.around(base, end, () => {
    // __collapse_huge_page_copy copies each present page (the zero page gives zeroes, nothing copied)
    for (const u of old) if (u.pfn !== st.alloc.zeroPfn) for (const f of st.copyObservers) f(u.pfn, pfn + (u.hva - base) / st.pageSize, u.size / st.pageSize);
    old.forEach((u) => st.ptes.delete(u));
    st.ptes.set({ hva: base, size: st.pmdSize, pfn, writable: rec.vma.prot === 'rw', kind: 'thp' });
  });
  return OK;
}

/** Split the THP covering `hva` into page PTEs with the same pfns; the split invalidates the PMD range like Linux. No THP: no-op. */
export function thpSplitOp(st: MmState, hva: number): HostResult {
  const u = st.ptes.lookup(checkAddr('hva', hva));
  if (u === undefined || u.kind !== 'thp') return OK;
  st.notifier.around(u.hva, u.hva + u.size, () => st.ptes.splitThp(u, st.pageSize));
  return OK;
}
