/** Page migration: the page (whole THP or hugetlb page) at an hva moves to new pfns (migrate_pages, try_to_migrate). */
import { checkAddr } from './constants';
import type { MmState } from './state';
import { OK, copied } from './state';
import { withPfn } from './hostPtes';
import type { HostResult } from './types';

/**
 * Move the unit at `hva` to freshly allocated pfns under one invalidation of its range; the
 * write bit is kept (migration entries remember it) and a file page's page-cache slot follows.
 * Nothing to do (no notifier) if unpopulated, a zero page (small or huge), or a pfnmap (not migratable).
 */
export function migrateOp(st: MmState, hva: number): HostResult {
  const u = st.ptes.lookup(checkAddr('hva', hva));
  if (u === undefined || st.alloc.isZero(u.pfn)) return OK;
  const rec = st.vmas.find(hva);
  const pfn = st.alloc.alloc(u.size / st.pageSize);
  st.notifier.around(u.hva, u.hva + u.size, () => {
    copied(st, u.pfn, pfn, u.size / st.pageSize); // migrate_folio copies the contents
    st.ptes.set(withPfn(u, pfn, u.writable));
    if (rec?.fileId !== undefined && rec.fileOff !== undefined) {
      const idx = (rec.fileOff + u.hva - rec.vma.start) / st.pageSize;
      const n = u.size / st.pageSize;
      if (n > 1) st.cache.setHuge(rec.fileId, idx, Array.from({ length: n }, (_, k) => pfn + k)); // a PMD-mapped shmem folio moves whole
      else st.cache.set(rec.fileId, idx, pfn);
    }
  });
  return OK;
}
