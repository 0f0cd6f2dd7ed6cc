/** Transparent huge pages of anon VMAs: collapse (MADV_COLLAPSE) and split (__split_huge_pmd). */
import { alignDown, checkAddr } from './constants';
import type { MmState } from './state';
import { OK, copied, fail } from './state';
import type { HostResult } from './types';
import type { VmaRec } from './vmas';
import { splitThp } from './zap';

/**
 * Whether THP may back this VMA at all, as thp_vma_allowable_order() asks outside a page fault:
 * anon or shmem (VM_PFNMAP and VM_HUGETLB are VM_NO_KHUGEPAGED), and the VMA holds a whole
 * PMD-aligned PMD (thp_vma_suitable_order at vm_end − PMD_SIZE), a file VMA at a PMD-aligned
 * file offset, and an anon VMA must have an anon_vma (a fault gave it a page of its own; the zero
 * page does not). Seen on arm64 6.1 and 6.12 (`npm run real`): a 4 KiB VMA, or two VMAs splitting a
 * PMD range, give EINVAL; the tail of a large VMA before a hole ENOMEM, EINVAL if never faulted.
 */
function thpAllowed(r: VmaRec, pmd: number): boolean {
  if (r.vma.kind !== 'anon' && r.vma.kind !== 'file') return false;
  if (r.vma.kind === 'anon' && r.anonVma === undefined) return false; // never given an anonymous page (hugepage_vma_check)
  if (alignDown(r.vma.end - pmd, pmd) < r.vma.start) return false;
  return r.fileOff === undefined || (r.vma.start - r.fileOff) % pmd === 0;
}

/**
 * MADV_COLLAPSE of the PMD-aligned range around `hva` (madvise_walk_vmas → madvise_collapse),
 * as observed on arm64 6.1 and 6.12 with `npm run real`:
 *  - no VMA in the range: ENOMEM (madvise_walk_vmas);
 *  - a VMA there THP may not back: EINVAL (madvise_collapse asks thpAllowed of each VMA first);
 *  - one VMA over the range: collapse it (collapseAnon, collapseFile);
 *  - else each VMA part holds no aligned PMD, so madvise_collapse has nothing to scan and returns
 *    0, and a hole in the range makes the call ENOMEM (madvise_walk_vmas' unmapped_error).
 */
export function thpCollapseOp(st: MmState, hva: number): HostResult {
  const base = alignDown(checkAddr('hva', hva), st.pmdSize);
  const end = base + st.pmdSize;
  const parts = st.vmas.intersecting(base, end);
  if (parts.length === 0) return fail('ENOMEM');
  for (const p of parts) if (!thpAllowed(p, st.pmdSize)) return fail('EINVAL');
  const rec = st.vmas.find(base);
  if (rec !== undefined && rec.vma.end >= end) return rec.vma.kind === 'file' ? collapseFile(st, rec, base, end) : collapseAnon(st, rec, base, end);
  const covered = parts.reduce((n, p) => n + Math.min(p.vma.end, end) - Math.max(p.vma.start, base), 0);
  return covered < st.pmdSize ? fail('ENOMEM') : OK;
}

/**
 * Collapse [base, end) of one anon VMA into a new THP (fresh aligned contiguous pfns, writable iff
 * the VMA is rw), replacing its PTEs under one invalidation of the PMD range. As
 * hpage_collapse_scan_pmd decides for MADV_COLLAPSE: a PMD already mapping a THP or the huge zero
 * page is done (SCAN_PMD_MAPPED); no PTE table is EINVAL (pmd none); empty and zero-page PTEs are
 * tolerated except in a uffd-armed VMA (SCAN_EXCEED_NONE_PTE: EBUSY, 6.1 EINVAL); a range none of
 * whose pages is mapped writable is EINVAL (SCAN_PAGE_RO: only zero pages, read-only or PROT_NONE
 * PTEs). Seen on arm64 6.1 and 6.12 (real/corpus/thp-collapse-*.json).
 */
function collapseAnon(st: MmState, rec: VmaRec, base: number, end: number): HostResult {
  if (st.ptes.lookup(base)?.kind === 'thp') return OK;
  if (!st.ptes.hasTable(base)) return fail('EINVAL');
  const old = st.ptes.overlapping(base, end);
  const pages = old.filter((u) => !st.alloc.isZero(u.pfn));
  if (rec.vma.uffd && pages.length * st.pageSize < st.pmdSize) return fail(st.collapseHoleErrno);
  if (!pages.some((u) => u.writable)) return fail('EINVAL');
  const pfn = st.alloc.alloc(st.pmdSize / st.pageSize);
  st.notifier.around(base, end, () => {
    // __collapse_huge_page_copy copies each present page (a zero page gives zeroes, nothing copied)
    for (const u of pages) copied(st, u.pfn, pfn + (u.hva - base) / st.pageSize, u.size / st.pageSize);
    old.forEach((u) => st.ptes.delete(u));
    st.ptes.setPmd(base, pfn, rec.vma.prot === 'rw');
    st.ptes.freeTable(base); // the PMD replaces the PTE table
  });
  return OK;
}

/**
 * MADV_COLLAPSE of a shmem (memfd) range (hpage_collapse_scan_file → collapse_file), as seen on
 * arm64 6.1 and 6.12 (`npm run real`, real/corpus/thp-collapse-shmem.json): the page cache is what
 * counts, not the PTEs nor the VMA's protection (read-only and PROT_NONE VMAs collapse, pages
 * zapped from the page tables but still cached count). EINVAL when no page of the range is cached
 * (a file offset not PMD-aligned with the address was refused by thpAllowed); a
 * uffd-armed VMA with pages missing: EBUSY (6.1 collapses it: profile shmem-collapse-uffd-hole-ok).
 * The range's pages become one new huge folio (holes zero-filled, the rest copied), mapped at once
 * by one PMD under one invalidation of the range (retract_page_tables, collapse_pte_mapped_thp).
 * A refused uffd hole leaves the present pages unmapped: collapse_file unmaps them before it looks
 * (seen on 6.12 as a stage-2 fault on the next access, real/corpus/thp-collapse-shmem.json).
 */
function collapseFile(st: MmState, rec: VmaRec, base: number, end: number): HostResult {
  const fileId = rec.fileId ?? -1, fileOff = rec.fileOff ?? 0;
  const n = st.pmdSize / st.pageSize;
  const first = (fileOff + base - rec.vma.start) / st.pageSize;
  if (st.cache.isHuge(fileId, first)) return OK;
  const cached: (number | undefined)[] = [];
  for (let i = 0; i < n; i++) cached.push(st.cache.get(fileId, first + i));
  const present = cached.filter((p) => p !== undefined).length;
  if (present === 0) return fail('EINVAL');
  const unmapAll = (): void => { for (const u of st.ptes.overlapping(base, end)) st.ptes.delete(u); };
  if (rec.vma.uffd && present < n && !st.shmemCollapseHoleOk) {
    // collapse_file has unmapped every present page (try_to_unmap) before it meets the uffd-armed VMA
    st.notifier.around(base, end, unmapAll);
    return fail(st.collapseHoleErrno);
  }
  const pfn = st.alloc.alloc(n);
  st.notifier.around(base, end, () => {
    cached.forEach((src, i) => { if (src !== undefined) copied(st, src, pfn + i, 1); });
    st.cache.setHuge(fileId, first, cached.map((_, i) => pfn + i));
    unmapAll();
    // retract_page_tables drops the PTE table, collapse_pte_mapped_thp maps the new folio with a PMD
    st.ptes.freeTable(base);
    st.ptes.setPmd(base, pfn, rec.vma.prot === 'rw');
  });
  return OK;
}

/** Split the THP covering `hva` into page PTEs with the same pfns; the split invalidates the PMD range like Linux. No THP: no-op. */
export function thpSplitOp(st: MmState, hva: number): HostResult {
  const u = st.ptes.lookup(checkAddr('hva', hva));
  if (u === undefined || u.kind !== 'thp') return OK;
  st.notifier.around(u.hva, u.hva + u.size, () => splitThp(st, u));
  return OK;
}
