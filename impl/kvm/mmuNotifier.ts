/** MMU-notifier protocol of the impl: invalidate start/end with seq / in_progress / range, unmap, aging (facts §14). */
import type { MmuNotifierListener } from '../../model/host/types';
import { profileHas } from '../../model/kernelProfiles';
import { PROT_R } from '../descriptor/prot';
import { stage2TestClearYoung } from '../ops/attrs';
import { stage2Map } from '../ops/map';
import { stage2Unmap } from '../ops/unmap';
import type { KvmCore } from './state';
import type { ImplSlot } from './types';

/** kvm->mmu_invalidate_{seq,in_progress,range_start,range_end} (facts §14.1). */
export class MmuNotifierState {
  seq = 0;
  inProgress = 0;
  /** gfn range union; rangeStart = -1 means INVALID (KVM_HVA_ERR_BAD). */
  rangeStart = -1;
  rangeEnd = -1;

  /** kvm_mmu_invalidate_begin: in_progress++, a first invalidation resets the range. */
  begin(): void {
    this.inProgress++;
    if (this.inProgress === 1) { this.rangeStart = -1; this.rangeEnd = -1; }
  }

  /** kvm_mmu_invalidate_range_add: the first add sets, later adds widen. */
  add(start: number, end: number): void {
    if (this.rangeStart < 0) { this.rangeStart = start; this.rangeEnd = end; return; }
    this.rangeStart = Math.min(this.rangeStart, start);
    this.rangeEnd = Math.max(this.rangeEnd, end);
  }

  /** kvm_mmu_invalidate_end: seq++ then in_progress-- (facts §14.3). */
  end(): void {
    this.seq++;
    this.inProgress--;
  }

  /** mmu_invalidate_retry: arm64's coarse check (facts §14.4). */
  mustRetry(mmuSeq: number): boolean {
    return this.inProgress !== 0 || this.seq !== mmuSeq;
  }
}

/** Call fn(slot, gfnStart, gfnEnd) for every slot whose hva range meets [start, end) (__kvm_handle_hva_range). */
function forEachSlotRange(core: KvmCore, start: number, end: number, fn: (s: ImplSlot, gs: number, ge: number) => void): number {
  let n = 0;
  const page = core.page;
  for (const s of core.slots.all) {
    const lo = Math.max(start, s.hva);
    const hi = Math.min(end, s.hva + s.size);
    if (lo >= hi) continue;
    n++;
    fn(s, s.baseGfn + Math.floor((lo - s.hva) / page), s.baseGfn + Math.ceil((hi - s.hva) / page)); // end rounded up (§14.2)
  }
  return n;
}

/**
 * invalidate_range_start: on the first intersecting slot begin the invalidation, then per slot
 * add its gfn range and unmap it (kvm_unmap_gfn_range → kvm_pgtable_stage2_unmap, which issues
 * its own TLBIs). No slot: nothing is touched. Source: kvm_mmu_notifier_invalidate_range_start (§14.2).
 */
export function invalidateRangeStart(core: KvmCore, start: number, end: number): void {
  let first = true;
  forEachSlotRange(core, start, end, (_s, gs, ge) => {
    if (first) { core.notifier.begin(); first = false; }
    core.notifier.add(gs, ge);
    stage2Unmap(core.pgt, gs * core.page, (ge - gs) * core.page);
  });
}

/** invalidate_range_end: only when a memslot intersects, seq++ / in_progress-- (§14.3). */
export function invalidateRangeEnd(core: KvmCore, start: number, end: number): void {
  if (forEachSlotRange(core, start, end, () => undefined) > 0) core.notifier.end();
}

/**
 * clear_flush_young (mkold) / test_young: kvm_age_gfn / kvm_test_age_gfn over each slot's range;
 * the generic layer flushes the VMID when clear_flush_young found a young page (flush_on_ret).
 * Source: kvm_mmu_notifier_clear_flush_young, kvm_age_gfn (facts §14.5).
 */
export function ageRange(core: KvmCore, start: number, end: number, mkold: boolean): boolean {
  let young = false;
  forEachSlotRange(core, start, end, (_s, gs, ge) => {
    if (stage2TestClearYoung(core.pgt, gs * core.page, (ge - gs) * core.page, mkold)) young = true;
  });
  if (young && mkold) core.effects.tlbiVmid();
  return young;
}

/**
 * change_pte (before v6.9; profile change-pte-maps-cow-page): while any invalidation is counted, each
 * slot over `hva` maps its gfn to `pfn` read-only, a page, with no memcache (a missing table: -ENOMEM,
 * ignored); no TLBI (the entry was invalid). With another invalidation in progress the mapping may
 * sit inside it: kernel path change-pte-in-open-invalidation. Source: kvm_mmu_notifier_change_pte,
 * kvm_change_spte_gfn (skips KVM_MEMSLOT_INVALID: never at rest here), kvm_set_spte_gfn (Debian 6.1.192).
 */
export function changePte(core: KvmCore, hva: number, pfn: number): void {
  if (!profileHas(core.config, 'change-pte-maps-cow-page') || core.notifier.inProgress === 0) return;
  forEachSlotRange(core, hva, hva + core.page, (_s, gs) => {
    const mapped = stage2Map(core.pgt, gs * core.page, core.page, pfn * core.page, PROT_R, { noMemcache: true }) === 0;
    // Only a mapping made while another invalidation is counted can sit inside one.
    if (mapped && core.notifier.inProgress > 1) core.kernelPaths.add('change-pte-in-open-invalidation');
  });
}

/** The listener KvmImpl subscribes to the host mm. */
export function notifierListener(core: KvmCore): MmuNotifierListener {
  return {
    invalidateRangeStart: (s, e) => invalidateRangeStart(core, s, e),
    invalidateRangeEnd: (s, e) => invalidateRangeEnd(core, s, e),
    clearFlushYoung: (s, e) => ageRange(core, s, e, true),
    testYoung: (s, e) => ageRange(core, s, e, false),
    changePte: (hva, pfn) => changePte(core, hva, pfn),
  };
}
