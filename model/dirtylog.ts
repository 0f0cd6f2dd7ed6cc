/** Dirty logging on the model's memslots: mark, KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG (facts §16–17). */
import { S2InputError, type Errno } from './types';
import { KVM_ADDRESS_SPACE_NUM, KVM_USER_MEM_SLOTS, type Memslot, type MemslotTable } from './memslotTypes';
import { slotContainsGfn } from './memslotLookup';

/*
 * API
 *   loggingActive(slot): boolean                      logging active for faults (§17): bitmap and not READONLY
 *   markDirty(slot, gfn): boolean                     mark_page_dirty_in_slot; true iff a bit was recorded
 *   getDirtyLog(table, slot): DirtyLogResult          sorted page indices that were dirty; they are cleared
 *   clearDirtyLog(table, slot, first, count): ClearDirtyLogResult   page indices whose bits were cleared
 *   maskedWrprotectSpans(indices): [first, count][]  what the caller write-protects after a get / clear
 * The caller write-protects the spans of the returned pages (a superset of them) and flushes TLBs.
 *
 * Mode: the model is a VM WITHOUT KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: GET takes-and-clears
 * (kvm_get_dirty_log_protect, non-manual branch) and the bitmap starts empty. CLEAR (which the kernel
 * accepts in either mode) clears the bits of [first, first + count) as if userspace passed an
 * all-ones bitmap, the trace having no bitmap field.
 * Errnos, checked against kvm_get_dirty_log_protect / kvm_clear_dirty_log_protect (virt/kvm/kvm_main.c):
 *   as_id ≥ 1 or id ≥ KVM_USER_MEM_SLOTS → EINVAL; CLEAR: first not a multiple of 64 → EINVAL (before the
 *   slot lookup); no such slot OR slot without a bitmap → ENOENT (a nonexistent in-range id is ENOENT,
 *   not EINVAL); CLEAR range beyond the slot, or count not a multiple of 64 short of the slot end → EINVAL.
 *   ENXIO (dirty ring only) is not modelled: the model has no dirty ring.
 */

/** GET result: the dirty page indices (gfn - baseGfn), ascending. */
export type DirtyLogResult = { ok: true; slot: Memslot; dirty: number[] } | { ok: false; errno: Errno };
/** CLEAR result: the page indices whose bits were actually cleared, ascending. */
export type ClearDirtyLogResult = { ok: true; slot: Memslot; cleared: number[] } | { ok: false; errno: Errno };

/** Logging is active on a slot for faults iff it has a dirty bitmap and is not READONLY (facts §17). */
export function loggingActive(slot: Memslot): boolean {
  return slot.dirty !== undefined && !slot.flags.readonly;
}

/** mark_page_dirty_in_slot: record gfn only if the slot logs and is not READONLY (facts §16, §21 item 38). */
export function markDirty(slot: Memslot, gfn: number): boolean {
  if (!slotContainsGfn(slot, gfn)) throw new S2InputError('gfn', `${gfn} is outside slot ${slot.id}`);
  if (!loggingActive(slot) || slot.dirty === undefined) return false;
  slot.dirty.add(gfn - slot.baseGfn);
  return true;
}

/** Slot-id decoding and lookup shared by GET and CLEAR: EINVAL out of range, ENOENT without a bitmap. */
function loggedSlot(table: MemslotTable, slotArg: number): Memslot | Errno {
  if (!Number.isInteger(slotArg) || slotArg < 0 || slotArg >= 2 ** 32) throw new S2InputError('slot', `not a u32: ${slotArg}`);
  const asId = Math.floor(slotArg / 65536);
  const id = slotArg % 65536;
  if (asId >= KVM_ADDRESS_SPACE_NUM || id >= KVM_USER_MEM_SLOTS) return 'EINVAL';
  const slot = table.get(id);
  return slot?.dirty === undefined ? 'ENOENT' : slot;
}

/** KVM_GET_DIRTY_LOG, non-manual mode: snapshot and clear the bitmap (kvm_get_dirty_log_protect). */
export function getDirtyLog(table: MemslotTable, slotArg: number): DirtyLogResult {
  const slot = loggedSlot(table, slotArg);
  if (typeof slot === 'string') return { ok: false, errno: slot };
  const dirty = [...(slot.dirty ?? [])].sort((a, b) => a - b);
  slot.dirty?.clear();
  return { ok: true, slot, dirty };
}

/** The CLEAR range rule: first ≤ npages, count ≤ npages - first, count % 64 == 0 unless it reaches the end. */
function clearRangeValid(slot: Memslot, first: number, count: number): boolean {
  if (first > slot.npages || count > slot.npages - first) return false;
  return count === slot.npages - first || count % 64 === 0;
}

/** KVM_CLEAR_DIRTY_LOG with an all-ones user bitmap over [first, first + count) (kvm_clear_dirty_log_protect). */
export function clearDirtyLog(table: MemslotTable, slotArg: number, first: number, count: number): ClearDirtyLogResult {
  requireUint('first', first, 2 ** 64); // kvm_clear_dirty_log.first_page is a u64
  requireUint('count', count, 2 ** 32); // num_pages is a u32
  const probe = loggedSlot(table, slotArg);
  if (probe === 'EINVAL') return { ok: false, errno: 'EINVAL' };
  if (first % 64 !== 0) return { ok: false, errno: 'EINVAL' }; // checked before the slot lookup
  if (typeof probe === 'string') return { ok: false, errno: probe };
  if (!clearRangeValid(probe, first, count)) return { ok: false, errno: 'EINVAL' };
  const cleared = [...(probe.dirty ?? [])].filter((i) => i >= first && i < first + count).sort((a, b) => a - b);
  for (const i of cleared) probe.dirty?.delete(i);
  return { ok: true, slot: probe, cleared };
}

function requireUint(field: string, v: number, limit: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= limit) throw new S2InputError(field, `not an unsigned integer below ${limit}: ${v}`);
}

/** Pages per dirty-bitmap word: the kernel harvests and write-protects one `unsigned long` at a time. */
export const BITMAP_WORD_PAGES = 64;

/**
 * The slot-relative page ranges [first, first + count) that KVM write-protects after harvesting
 * `indices`: per 64-page bitmap word, from its lowest to its highest harvested page, so pages in
 * between that were not dirty lose W too. Source: kvm_arch_mmu_enable_log_dirty_pt_masked →
 * kvm_mmu_write_protect_pt_masked (__ffs..__fls of the mask), called per word by
 * kvm_get_dirty_log_protect and kvm_clear_dirty_log_protect (virt/kvm/kvm_main.c).
 */
export function maskedWrprotectSpans(indices: readonly number[]): Array<[number, number]> {
  const byWord = new Map<number, { lo: number; hi: number }>();
  for (const i of indices) {
    const word = Math.floor(i / BITMAP_WORD_PAGES);
    const cur = byWord.get(word);
    if (!cur) byWord.set(word, { lo: i, hi: i });
    else { cur.lo = Math.min(cur.lo, i); cur.hi = Math.max(cur.hi, i); }
  }
  return [...byWord.keys()].sort((a, b) => a - b).map((w) => {
    const { lo, hi } = byWord.get(w) as { lo: number; hi: number };
    return [lo, hi - lo + 1];
  });
}
