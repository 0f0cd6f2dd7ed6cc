/** madvise(MADV_DONTNEED): zap anon/file/hugetlb PTEs; pfnmap is EINVAL; holes give ENOMEM (madvise_walk_vmas). */
import { checkAddr, alignDown } from './constants';
import type { MmState } from './state';
import { OK, fail } from './state';
import type { Errno } from '../types';
import type { HostResult } from './types';
import { expandForThp, zapRange } from './zap';

/**
 * Walk the VMAs of [hva, hva+size) in order; stop with EINVAL at a pfnmap VMA or at a hugetlb VMA
 * entered off a huge-page boundary (madvise_dontneed_free_valid_vma; a hugetlb end rounds down).
 * The zapped ranges get one invalidation over their hull (grown to split THPs), even if empty of PTEs.
 */
export function madviseDontneedOp(st: MmState, hva: number, size: number): HostResult {
  checkAddr('hva', hva);
  checkAddr('size', size);
  if (hva % st.pageSize !== 0 || size % st.pageSize !== 0 || !Number.isSafeInteger(hva + size)) return fail('EINVAL');
  if (size === 0) return OK;
  const end = hva + size;
  const ranges: Array<[number, number]> = [];
  let cur = hva;
  let hole = false;
  let err: Errno | undefined;
  for (const r of st.vmas.intersecting(hva, end)) {
    const v = r.vma;
    if (v.start > cur) hole = true;
    const s = Math.max(cur, v.start);
    let e = Math.min(end, v.end);
    if (v.kind === 'pfnmap' || (v.kind === 'hugetlb' && s % (v.hugeSize ?? 1) !== 0)) {
      err = 'EINVAL';
      break;
    }
    if (v.kind === 'hugetlb') e = alignDown(e, v.hugeSize ?? 1);
    if (e > s) ranges.push([s, e]);
    cur = Math.min(end, v.end);
  }
  if (cur < end) hole = true;
  if (ranges.length > 0) {
    const [ns, ne] = expandForThp(st, ranges[0][0], ranges[ranges.length - 1][1]);
    st.notifier.around(ns, ne, () => ranges.forEach(([s, e]) => zapRange(st, s, e)));
  }
  if (err !== undefined) return fail(err);
  return hole ? fail('ENOMEM') : OK;
}
