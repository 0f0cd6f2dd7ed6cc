/** mprotect: VMA split at the edges, PTE write bits follow the new protection, one invalidation (mprotect_fixup). */
import type { VmaProt } from '../types';
import { checkAddr } from './constants';
import { withPfn, type HostPte } from './hostPtes';
import type { MmState } from './state';
import { OK, fail } from './state';
import type { HostResult } from './types';
import { cutsHugetlb } from './unmap';
import type { VmaRec } from './vmas';
import { withProt } from './vmas';
import { expandForSplits, expandForThp, splitThpAt } from './zap';

const PROTS: readonly string[] = ['none', 'r', 'rw'];

/** The VMAs covering [hva, end) without a hole from hva on; Linux stops (ENOMEM) at the first hole. */
function coveredPrefix(st: MmState, hva: number, end: number): VmaRec[] {
  const out: VmaRec[] = [];
  let cur = hva;
  for (const r of st.vmas.intersecting(hva, end)) {
    if (r.vma.start > cur) break;
    out.push(r);
    cur = r.vma.end;
  }
  return out;
}

/**
 * PTE write bit under the new protection: downgrades clear it; an upgrade to rw sets it where
 * change_pte_range may (MM_CP_TRY_CHANGE_WRITABLE): exclusive anon pages and shared file pages,
 * never a zero page (small or huge: can_change_pmd_writable), not private hugetlb (which reuses on the next write fault).
 */
function newWritable(st: MmState, rec: VmaRec, u: HostPte, prot: VmaProt): boolean {
  if (prot !== 'rw') return false;
  if (rec.vma.kind === 'hugetlb') return u.writable;
  return !st.alloc.isZero(u.pfn);
}

/** mprotect(hva, size, prot): EINVAL for bad start/size/prot; ENOMEM if [hva, hva+size) has a hole (applied up to it). */
export function mprotectOp(st: MmState, hva: number, size: number, prot: VmaProt): HostResult {
  checkAddr('hva', hva);
  checkAddr('size', size);
  if (hva % st.pageSize !== 0 || size % st.pageSize !== 0 || !PROTS.includes(prot)) return fail('EINVAL');
  if (size === 0) return OK;
  const end = hva + size;
  const recs = coveredPrefix(st, hva, end);
  if (recs.length === 0) return fail('ENOMEM');
  const stop = Math.min(end, recs[recs.length - 1].vma.end);
  const changing = recs.filter((r) => r.vma.prot !== prot);
  if (cutsHugetlb(changing, hva, stop)) return fail('EINVAL');
  if (changing.length > 0) {
    const lo = Math.max(hva, changing[0].vma.start);
    const hi = Math.min(stop, changing[changing.length - 1].vma.end);
    const ranges = changedRanges(changing, lo, hi);
    const [ns, ne] = expandForThp(st, ...expandForSplits(st, lo, hi));
    ranges[0][0] = ns;
    ranges[ranges.length - 1][1] = ne;
    // mprotect_fixup runs change_protection per VMA whose protection changes: one invalidation each,
    // none over a VMA in between that keeps its protection (seen on 6.12 as a stage-2 mapping kept there)
    const run = ranges.reduceRight<() => void>((inner, [s, e]) => () => st.notifier.around(s, e, inner), () => apply(st, changing, lo, hi, prot));
    run();
  }
  return stop < end ? fail('ENOMEM') : OK;
}

/** The parts of [lo, hi) the changing VMAs cover, contiguous ones joined. */
function changedRanges(changing: readonly VmaRec[], lo: number, hi: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of changing) {
    const s = Math.max(lo, r.vma.start);
    const e = Math.min(hi, r.vma.end);
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === s) last[1] = e;
    else out.push([s, e]);
  }
  return out;
}

/** Split at the edges, set the protection, update the PTEs of the changed part, merge neighbours. */
function apply(st: MmState, changing: readonly VmaRec[], lo: number, hi: number, prot: VmaProt): void {
  splitThpAt(st, lo);
  splitThpAt(st, hi);
  st.vmas.splitAt(lo);
  st.vmas.splitAt(hi);
  const changedRecs = new Set<VmaRec>();
  st.vmas.mapRange(lo, hi, (r) => {
    if (r.vma.prot === prot) return r;
    const c = withProt(r, prot);
    changedRecs.add(c);
    return c;
  });
  for (const rec of changing) {
    const s = Math.max(lo, rec.vma.start);
    const e = Math.min(hi, rec.vma.end);
    for (const u of st.ptes.overlapping(s, e)) st.ptes.set(withPfn(u, u.pfn, newWritable(st, rec, u, prot)));
  }
  st.vmas.mergeAll(changedRecs);
}
