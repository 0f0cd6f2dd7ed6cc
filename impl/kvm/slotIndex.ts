/** Memslot index: slots sorted by base gfn with binary search, a by-id map and a last-used cache (kvm_main.c search_memslots). */
import type { ImplSlot } from './types';

/**
 * The memslot set of arm64's single address space. gfn lookup is O(log n) over the slots sorted
 * by base gfn (slots never overlap), with the kernel's last_used_slot shortcut in front.
 * Source: search_memslots / __gfn_to_memslot, virt/kvm/kvm_main.c (facts §12, §16).
 */
export class SlotIndex {
  private readonly sorted: ImplSlot[] = [];
  readonly byId = new Map<number, ImplSlot>();
  private lastUsed: ImplSlot | null = null;

  /** Number of slots. */
  get count(): number {
    return this.sorted.length;
  }

  /** Slots in ascending gfn order (do not mutate). */
  get all(): readonly ImplSlot[] {
    return this.sorted;
  }

  /** Index of the last slot whose baseGfn ≤ gfn, or -1. */
  private floorIndex(gfn: number): number {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].baseGfn <= gfn) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  /** The slot holding gfn, or null (gfn_to_memslot). */
  lookup(gfn: number): ImplSlot | null {
    const last = this.lastUsed;
    if (last !== null && gfn >= last.baseGfn && gfn < last.baseGfn + last.npages) return last;
    const i = this.floorIndex(gfn);
    if (i < 0) return null;
    const s = this.sorted[i];
    if (gfn >= s.baseGfn + s.npages) return null;
    this.lastUsed = s;
    return s;
  }

  /** kvm_check_memslot_overlap: a slot other than `id` meets [baseGfn, baseGfn + npages). */
  overlaps(id: number, baseGfn: number, npages: number): boolean {
    let i = this.floorIndex(baseGfn + npages - 1);
    for (; i >= 0; i--) {
      const s = this.sorted[i];
      if (s.baseGfn + s.npages <= baseGfn) return false; // sorted and disjoint: nothing earlier reaches
      if (s.id !== id) return true;
    }
    return false;
  }

  /** Insert (or replace by id) a slot. */
  install(slot: ImplSlot): void {
    this.remove(slot.id);
    const i = this.floorIndex(slot.baseGfn) + 1;
    this.sorted.splice(i, 0, slot);
    this.byId.set(slot.id, slot);
  }

  /** Remove the slot with this id, if any. */
  remove(id: number): void {
    const old = this.byId.get(id);
    if (old === undefined) return;
    this.byId.delete(id);
    const i = this.floorIndex(old.baseGfn);
    if (i >= 0 && this.sorted[i] === old) this.sorted.splice(i, 1);
    if (this.lastUsed === old) this.lastUsed = null;
  }

  /** kvm->nr_memslot_pages. */
  totalPages(): number {
    let n = 0;
    for (const s of this.sorted) n += s.npages;
    return n;
  }
}
