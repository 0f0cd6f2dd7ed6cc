/**
 * `permitted` over a run of pages at once: the answer at a gfn and how many following pages get the
 * same answer, page by page. A derived form for the runner's MAPPING_PERMITTED check; the spec is
 * the per-page `permitted`, and permittedRun.test.ts checks that the two agree on every page.
 */
import { loggingActive } from '../dirtylog';
import { RAM_BASE_PA, alignDown } from '../host/constants';
import { gfnToHva, slotForGfn } from '../memslotLookup';
import type { Memslot } from '../memslotTypes';
import type { Vma } from '../host/types';
import type { Granule } from '../types';
import { blockSizes, pmdSize } from './blockSize';
import { permitted, type PermittedMapping } from './permitted';
import type { KvmState } from './state';

/**
 * `mapping` is permitted(gfn); for 0 ≤ k < `pages`, permitted(gfn + k) is `mapping` with pfn + k
 * and everything else equal. A null mapping claims only gfn itself (`pages` is 1).
 */
export interface PermittedRun {
  mapping: PermittedMapping | null;
  pages: number;
}

/**
 * permitted(st, gfn) and the length (1..maxPages) of the run of pages from gfn with the same answer.
 * Every input `permitted` reads is constant up to some hva or gfn, and the run stops at the first:
 * the memslot (ioremaps are not followed: a run never reaches an ioremap'd gfn), the VMA (backing
 * class, huge-mapping inputs), the host unit (pfn advancing by one per page, write bit, host leaf
 * size), the aligned block around hva that the huge-mapping rule of maxLeafSize looks at, the next open
 * invalidation, the RAM boundary (DESIGN §3: RAM is PA ≥ RAM_BASE_PA), and, while logging a
 * writable page, the page's dirty bit.
 */
export function permittedRun(st: KvmState, gfn: number, maxPages: number): PermittedRun {
  const mapping = permitted(st, gfn);
  const page = st.config.granule;
  const slot = slotForGfn(st.slots, gfn);
  if (mapping === null || maxPages === 1 || slot === undefined || st.ioremaps.has(gfn)) return { mapping, pages: 1 };
  const hva = gfnToHva(slot, gfn, page);
  const vma = st.host.findVma(hva);
  const pte = st.host.pteExtent(hva);
  if (vma === undefined || pte === undefined) return { mapping, pages: 1 }; // unreachable: permitted found both
  const end = Math.min(slot.hva + slot.size, vma.end, pte.end, hugeRuleBlockEnd(slot, vma, hva, st.config.granule),
    nextInvalidationStart(st, hva), ramBoundary(hva, pte.pfn * page));
  let pages = Math.min(maxPages, Math.ceil((end - hva) / page), nextIoremap(st, gfn, maxPages) - gfn);
  if (loggingActive(slot) && !slot.flags.readonly && pte.writable) pages = sameDirtyBit(slot, gfn, pages);
  return { mapping, pages };
}

/**
 * End of an aligned block around hva over which maxLeafSize's huge-mapping inputs (which aligned
 * blocks around the page lie inside the slot and the VMA) stay the same: the largest stage-2 block
 * size whose block around hva lies inside both (each smaller block in it does too; a larger one is
 * the same block for every page in it), else the smallest block size (a larger one is the same block).
 */
function hugeRuleBlockEnd(slot: Memslot, vma: Vma, hva: number, granule: Granule): number {
  for (const size of blockSizes(granule)) {
    const start = alignDown(hva, size);
    const end = start + size;
    if (start >= slot.hva && end <= slot.hva + slot.size && start >= vma.start && end <= vma.end) return end;
  }
  const pmd = pmdSize(granule);
  return alignDown(hva, pmd) + pmd;
}

/** Lowest start above hva of an open invalidation (one covering hva made the answer null). */
function nextInvalidationStart(st: KvmState, hva: number): number {
  let next = Infinity;
  for (const o of st.notifier.open) if (o.hvaStart > hva && o.hvaStart < next) next = o.hvaStart;
  return next;
}

/** First hva whose PA (pa at hva, advancing with it) is RAM, when pa is below RAM; else no bound. */
function ramBoundary(hva: number, pa: number): number {
  return pa >= RAM_BASE_PA ? Infinity : hva + (RAM_BASE_PA - pa);
}

/** Lowest ioremap'd gfn above gfn, looking no further than gfn + maxPages. */
function nextIoremap(st: KvmState, gfn: number, maxPages: number): number {
  let next = gfn + maxPages;
  if (st.ioremaps.size <= maxPages) {
    for (const g of st.ioremaps.keys()) if (g > gfn && g < next) next = g;
    return next;
  }
  for (let g = gfn + 1; g < next; g++) if (st.ioremaps.has(g)) return g;
  return next;
}

/**
 * Pages from gfn (at most `pages`) whose dirty bit equals gfn's: `w` of a logged writable page is
 * that bit. A set bit: count the set bits that follow; a clear one: up to the next set bit.
 */
function sameDirtyBit(slot: Memslot, gfn: number, pages: number): number {
  const dirty = slot.dirty ?? new Set<number>();
  const i = gfn - slot.baseGfn;
  let n = 1;
  if (dirty.has(i)) {
    while (n < pages && dirty.has(i + n)) n++;
    return n;
  }
  n = pages;
  for (const d of dirty) if (d > i && d - i < n) n = d - i;
  return n;
}
