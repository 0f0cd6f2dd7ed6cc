/** munmap and the implicit unmap of mmap(MAP_FIXED) over existing VMAs (do_vmi_munmap, mmap_region). */
import { TASK_SIZE, checkAddr } from './constants';
import type { MmState } from './state';
import { OK, fail } from './state';
import type { HostResult, VmaSpec } from './types';
import { validateMmap } from './validate';
import { pfnmapRec, type VmaRec } from './vmas';
import { expandForSplits, expandForThp, zapRange } from './zap';

/** Does [s, e) cut a hugetlb VMA off a huge-page boundary? (hugetlb_vm_op_split → -EINVAL) */
export function cutsHugetlb(recs: readonly VmaRec[], s: number, e: number): boolean {
  return recs.some((r) => {
    const v = r.vma;
    const hs = v.hugeSize ?? 1;
    const cut = (a: number): boolean => a > v.start && a < v.end && a % hs !== 0;
    return v.kind === 'hugetlb' && (cut(s) || cut(e));
  });
}

/**
 * Remove the VMAs in [s, e). One invalidation over the part of [s, e) that VMAs cover (grown to
 * any THP an edge splits), even where no PTE is populated, as unmap_vmas does; none if no VMA.
 */
export function unmapRange(st: MmState, s: number, e: number): HostResult {
  const recs = st.vmas.intersecting(s, e);
  if (recs.length === 0) return OK;
  if (cutsHugetlb(recs, s, e)) return fail('EINVAL');
  const lo = Math.max(s, recs[0].vma.start);
  const hi = Math.min(e, recs[recs.length - 1].vma.end);
  const [ns, ne] = expandForThp(st, ...expandForSplits(st, lo, hi));
  st.notifier.around(ns, ne, () => {
    zapRange(st, lo, hi);
    st.vmas.removeRange(s, e);
  });
  // free_pgtables: a PTE table whose PMD range no VMA touches any more goes
  for (const b of st.ptes.tablesIn(lo, hi)) if (st.vmas.intersecting(b, b + st.pmdSize).length === 0) st.ptes.freeTable(b);
  return OK;
}

/** munmap(hva, size): EINVAL for unaligned start/size (size must be page-aligned here), 0 size, or beyond TASK_SIZE. */
export function munmapOp(st: MmState, hva: number, size: number): HostResult {
  checkAddr('hva', hva);
  checkAddr('size', size);
  if (hva % st.pageSize !== 0 || size === 0 || size % st.pageSize !== 0 || hva + size > TASK_SIZE) return fail('EINVAL');
  return unmapRange(st, hva, hva + size);
}

/** mmap(MAP_FIXED): validate, unmap what overlaps (notifier), insert the new VMA (lazily populated). */
export function mmapOp(st: MmState, spec: VmaSpec): HostResult {
  const chk = validateMmap(spec, st.pageSize);
  if (!chk.ok) return fail(chk.errno);
  const v = chk.vma;
  const un = unmapRange(st, v.start, v.end);
  if (!un.ok) return un;
  if (v.kind === 'file') st.vmas.insert({ vma: v, fileId: st.cache.newFile(), fileOff: 0 });
  else if (v.kind === 'pfnmap') st.vmas.insert(pfnmapRec(v, false));
  else st.vmas.insert({ vma: v });
  return OK;
}
