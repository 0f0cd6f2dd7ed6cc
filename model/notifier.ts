/** MMU-notifier state of the KVM model: sequence, in-progress count, gfn range union (facts §14). */

/** A gfn range [start, end). */
export interface GfnRange {
  start: number;
  end: number;
}

/** One invalidation that has started and not yet ended, in host virtual addresses. */
export interface OpenInvalidation {
  readonly hvaStart: number;
  readonly hvaEnd: number;
  /** True when some memslot intersected at start, so start counted in `inProgress` (§14.2 step 5). */
  readonly counted: boolean;
}

/**
 * The generic KVM notifier bookkeeping, written plainly. Dropping stage-2 entries is the caller's
 * job (model/invalidate.ts); this class only counts.
 * Source: kvm_mmu_invalidate_begin/range_add/end, virt/kvm/kvm_main.c (facts §14.1–§14.4).
 */
export class NotifierState {
  /** mmu_invalidate_seq: bumped once per counted invalidation end. */
  seq = 0;
  /** mmu_invalidate_in_progress. */
  inProgress = 0;
  /** Union of the gfn ranges added since in_progress last became 1; null = INVALID. */
  range: GfnRange | null = null;
  /** Invalidations started and not yet ended, oldest first. */
  readonly open: OpenInvalidation[] = [];
  /** Number of counted invalidation starts ever seen (for reports). */
  started = 0;

  /**
   * invalidate_range_start: record the hva range; when memslots intersect, count it and grow the
   * range union with their gfn ranges. Source: kvm_mmu_notifier_invalidate_range_start (§14.2).
   */
  begin(hvaStart: number, hvaEnd: number, gfnRanges: readonly GfnRange[]): void {
    const counted = gfnRanges.length > 0;
    this.open.push({ hvaStart, hvaEnd, counted });
    if (!counted) return; // §14.2 step 5: no memslot, nothing taken
    this.started += 1;
    this.inProgress += 1;
    if (this.inProgress === 1) this.range = null; // cf. kvm_mmu_invalidate_begin
    for (const r of gfnRanges) this.addRange(r);
  }

  /** Grow the range union: the first add sets it, later adds take min/max. Source: kvm_mmu_invalidate_range_add. */
  private addRange(r: GfnRange): void {
    if (this.range === null) this.range = { start: r.start, end: r.end };
    else this.range = { start: Math.min(this.range.start, r.start), end: Math.max(this.range.end, r.end) };
  }

  /**
   * invalidate_range_end for the oldest open invalidation of exactly this hva range: seq++ and
   * in_progress-- if its start was counted. Returns false when no such invalidation is open.
   * Source: kvm_mmu_notifier_invalidate_range_end / kvm_mmu_invalidate_end (§14.3).
   */
  end(hvaStart: number, hvaEnd: number): boolean {
    const i = this.open.findIndex((o) => o.hvaStart === hvaStart && o.hvaEnd === hvaEnd);
    if (i < 0) return false;
    const [inv] = this.open.splice(i, 1);
    if (inv.counted) {
      this.seq += 1;
      this.inProgress -= 1;
    }
    return true;
  }

  /**
   * May a fault that sampled `sampledSeq` install its mapping now? arm64's coarse form: any
   * in-flight invalidation anywhere, or any completed one since the sample, means retry.
   * Source: mmu_invalidate_retry, include/linux/kvm_host.h (§14.4).
   */
  mayInstall(sampledSeq: number): boolean {
    return this.inProgress === 0 && this.seq === sampledSeq;
  }

  /** Is `hva` inside an invalidation that has started and not ended? (facts §21 invariant 31) */
  invalidating(hva: number): boolean {
    return this.open.some((o) => o.hvaStart <= hva && hva < o.hvaEnd);
  }
}
