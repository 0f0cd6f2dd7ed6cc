/** Lookups over the memslot table: gfn → slot → hva, overlap, hva → slots (facts §12, §14.2, §16). */
import type { Memslot, MemslotTable } from './memslotTypes';

/*
 * API (page = Config.granule, the host PAGE_SIZE)
 *   slotForGfn(table, gfn): Memslot | undefined
 *   slotContainsGfn(slot, gfn): boolean
 *   gfnToHva(slot, gfn, page): number
 *   hvaLookup(table, gfn, write, page): HvaLookup          bad / RO-bad / ok (facts §16)
 *   overlapsOtherSlot(table, id, baseGfn, npages): boolean  kvm_check_memslot_overlap
 *   slotsIntersectingHva(table, start, end): Memslot[]      slots whose hva range meets [start, end)
 *   gfnRangeForHva(slot, start, end, page): {start, end}    the slot's gfns whose hva is in [start, end)
 *   totalPages(table): number                               kvm->nr_memslot_pages
 */

/** Result of __gfn_to_hva_many: no slot → bad; write to READONLY → roBad; else hva + writability. */
export type HvaLookup =
  | { kind: 'ok'; slot: Memslot; hva: number; writable: boolean }
  | { kind: 'bad' }
  | { kind: 'roBad'; slot: Memslot };

/** True iff gfn lies in [baseGfn, baseGfn + npages). */
export function slotContainsGfn(slot: Memslot, gfn: number): boolean {
  return gfn >= slot.baseGfn && gfn < slot.baseGfn + slot.npages;
}

/** The slot holding gfn (search_memslots); slots never overlap, so at most one matches. */
export function slotForGfn(table: MemslotTable, gfn: number): Memslot | undefined {
  for (const slot of table.values()) if (slotContainsGfn(slot, gfn)) return slot;
  return undefined;
}

/** __gfn_to_hva_memslot: userspace_addr + (gfn - base_gfn) * PAGE_SIZE. */
export function gfnToHva(slot: Memslot, gfn: number, page: number): number {
  return slot.hva + (gfn - slot.baseGfn) * page;
}

/** __gfn_to_hva_many / gfn_to_hva_memslot_prot (facts §16). */
export function hvaLookup(table: MemslotTable, gfn: number, write: boolean, page: number): HvaLookup {
  const slot = slotForGfn(table, gfn);
  if (slot === undefined) return { kind: 'bad' };
  if (write && slot.flags.readonly) return { kind: 'roBad', slot };
  return { kind: 'ok', slot, hva: gfnToHva(slot, gfn, page), writable: !slot.flags.readonly };
}

/** kvm_check_memslot_overlap: does any slot other than `id` meet [baseGfn, baseGfn + npages)? */
export function overlapsOtherSlot(table: MemslotTable, id: number, baseGfn: number, npages: number): boolean {
  for (const slot of table.values()) {
    if (slot.id === id) continue;
    if (slot.baseGfn < baseGfn + npages && baseGfn < slot.baseGfn + slot.npages) return true;
  }
  return false;
}

/** Slots whose [hva, hva + size) intersects [start, end) (kvm_handle_hva_range's slot walk, §14.2). */
export function slotsIntersectingHva(table: MemslotTable, start: number, end: number): Memslot[] {
  return [...table.values()].filter((s) => s.hva < end && start < s.hva + s.size);
}

/** The gfns of `slot` whose hva lies in [start, end): end rounded up to a page (§14.2 step 3). */
export function gfnRangeForHva(slot: Memslot, start: number, end: number, page: number): { start: number; end: number } {
  const lo = Math.max(start, slot.hva);
  const hi = Math.min(end, slot.hva + slot.size);
  if (lo >= hi) return { start: slot.baseGfn, end: slot.baseGfn };
  return { start: slot.baseGfn + Math.floor((lo - slot.hva) / page), end: slot.baseGfn + Math.ceil((hi - slot.hva) / page) };
}

/** kvm->nr_memslot_pages: pages of all slots. */
export function totalPages(table: MemslotTable): number {
  let n = 0;
  for (const slot of table.values()) n += slot.npages;
  return n;
}
