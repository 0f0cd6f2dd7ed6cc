/** MMU-notifier fan-out of the host mm: paired range invalidations, open invalidations, aging (facts §14). */
import { S2InputError } from '../types';
import type { MmuNotifierListener } from './types';

/** An invalidation left open by invalidateBegin. */
interface OpenInvalidation {
  readonly start: number;
  readonly end: number;
  open: boolean;
}

/** Listeners in subscription order; every callback reaches each of them in that order (mmu_notifier hlist). */
export class Notifier {
  private readonly listeners: MmuNotifierListener[] = [];
  private readonly invalidations: OpenInvalidation[] = [];

  /** Register a listener (mmu_notifier_register). */
  subscribe(l: MmuNotifierListener): void {
    this.listeners.push(l);
  }

  /** start(s, e) on all, then `change`, then end(s, e) on all (mmu_notifier_invalidate_range_start/end). */
  around(start: number, end: number, change: () => void): void {
    for (const l of this.listeners) l.invalidateRangeStart(start, end);
    change();
    for (const l of this.listeners) l.invalidateRangeEnd(start, end);
  }

  /** change_pte on every listener that has it (mmu_notifier_change_pte, called by set_pte_at_notify). */
  changePte(hva: number, pfn: number): void {
    for (const l of this.listeners) l.changePte?.(hva, pfn);
  }

  /** Start an invalidation and leave it open; returns its id (0, 1, … in call order). */
  begin(start: number, end: number, change: () => void): number {
    for (const l of this.listeners) l.invalidateRangeStart(start, end);
    change();
    this.invalidations.push({ start, end, open: true });
    return this.invalidations.length - 1;
  }

  /** End the open invalidation `id`; unknown or already-ended ids are bad input. */
  end(id: number): void {
    const inv = Number.isSafeInteger(id) ? this.invalidations[id] : undefined;
    if (inv === undefined) throw new S2InputError('id', `no invalidation with id ${String(id)}`);
    if (!inv.open) throw new S2InputError('id', `invalidation ${id} already ended`);
    inv.open = false;
    for (const l of this.listeners) l.invalidateRangeEnd(inv.start, inv.end);
  }

  /** Ranges of the invalidations still open, in id order. */
  openRanges(): Array<{ id: number; start: number; end: number }> {
    const out: Array<{ id: number; start: number; end: number }> = [];
    this.invalidations.forEach((inv, id) => {
      if (inv.open) out.push({ id, start: inv.start, end: inv.end });
    });
    return out;
  }

  /** clear_flush_young on every listener; OR of the answers (mmu_notifier_clear_flush_young). */
  clearFlushYoung(start: number, end: number): boolean {
    let young = false;
    for (const l of this.listeners) young = l.clearFlushYoung(start, end) || young;
    return young;
  }

  /** test_young on listeners in order, stopping at the first young answer (__mmu_notifier_test_young). */
  testYoung(start: number, end: number): boolean {
    return this.listeners.some((l) => l.testYoung(start, end));
  }
}
