/** The model's MMU-notifier handlers: unmap on invalidate start, count on end, aging (facts §14.2–14.5). */
import type { MmuNotifierListener } from '../host/types';
import { gfnRangeForHva, slotsIntersectingHva } from '../memslotLookup';
import type { GfnRange } from '../notifier';
import type { KvmState } from './state';
import { changePte } from './changePte';

/** The gfn ranges of every memslot whose hva range meets [start, end). Source: __kvm_handle_hva_range (§14.2 step 3). */
function gfnRanges(st: KvmState, start: number, end: number): GfnRange[] {
  return slotsIntersectingHva(st.slots, start, end).map((s) => gfnRangeForHva(s, start, end, st.config.granule));
}

/**
 * invalidate_range_start: every memslot intersecting [start, end) loses the stage-2 leaves
 * overlapping the intersection, whole (facts §7); the notifier counts the invalidation and grows its range.
 * Source: kvm_mmu_notifier_invalidate_range_start + kvm_unmap_gfn_range (facts §14.2).
 */
export function invalidateStart(st: KvmState, start: number, end: number): void {
  const ranges = gfnRanges(st, start, end);
  for (const r of ranges) st.stage2.unmap(r.start, r.end - r.start);
  st.notifier.begin(start, end, ranges);
}

/** invalidate_range_end: seq++, in_progress--. Source: kvm_mmu_notifier_invalidate_range_end (facts §14.3). */
export function invalidateEnd(st: KvmState, start: number, end: number): void {
  st.notifier.end(start, end);
}

/**
 * Aging: report whether any stage-2 leaf overlapping [start, end) has AF set; with `clear`, clear
 * it on those leaves, whole (mkold). Source: kvm_age_gfn / kvm_test_age_gfn, arch/arm64/kvm/mmu.c (facts §8, §14.5).
 */
export function ageRange(st: KvmState, start: number, end: number, clear: boolean): boolean {
  let young = false;
  for (const r of gfnRanges(st, start, end)) if (st.stage2.age(r.start, r.end - r.start, clear)) young = true;
  return young;
}

/** The listener KvmModel subscribes to the host mm. */
export function notifierListener(st: KvmState): MmuNotifierListener {
  return {
    invalidateRangeStart: (start, end) => invalidateStart(st, start, end),
    invalidateRangeEnd: (start, end) => invalidateEnd(st, start, end),
    clearFlushYoung: (start, end) => ageRange(st, start, end, true),
    testYoung: (start, end) => ageRange(st, start, end, false),
    changePte: (hva, pfn) => changePte(st, hva, pfn),
  };
}
