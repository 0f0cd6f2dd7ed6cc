/** The mutable state every host-mm operation works on, and the result helpers they share. */
import type { Errno } from '../types';
import type { PfnAllocator } from './pfnAllocator';
import type { Notifier } from './notifier';
import type { PageCache } from './pageCache';
import type { PteTable } from './hostPtes';
import type { CopyObserver, HostResult } from './types';
import type { VmaList } from './vmas';

/** One host mm: VMAs, page tables, page cache, RAM allocator, notifier subscribers. */
export interface MmState {
  readonly pageSize: number;
  readonly pmdSize: number;
  readonly alloc: PfnAllocator;
  readonly vmas: VmaList;
  readonly ptes: PteTable;
  readonly cache: PageCache;
  readonly notifier: Notifier;
  /** Told of every page the host copies through its cacheable linear map (copied()). */
  readonly copyObservers: CopyObserver[];
  uffdFaults: number;
  /** THP=always (Config.thp): a first fault of an anon PMD range maps a THP or the huge zero page (do_huge_pmd_anonymous_page). */
  readonly thpAlways: boolean;
  /** MADV_COLLAPSE's errno for an empty PTE in a uffd-armed range (madvise_collapse_errno; profile `collapse-hole-einval`). */
  readonly collapseHoleErrno: 'EBUSY' | 'EINVAL';
  /** MADV_COLLAPSE of a uffd-armed shmem range with holes succeeds (profile `shmem-collapse-uffd-hole-ok`, 6.1). */
  readonly shmemCollapseHoleOk: boolean;
}

/** Success. */
export const OK: HostResult = Object.freeze({ ok: true as const });

/** Failure with a Linux errno. */
export function fail(errno: Errno): HostResult {
  return { ok: false, errno };
}

/** The host copied `pages` pages from pfn `src` to `dst` through its cacheable map: tell the observers (impl/dcache.ts). */
export function copied(st: MmState, src: number, dst: number, pages: number): void {
  for (const f of st.copyObservers) f(src, dst, pages);
}
