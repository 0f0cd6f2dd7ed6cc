/** Dirty logging of the impl: bitmap marking, KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG, masked write-protect (facts §17). */
import { S2InputError, type Errno } from '../../model/types';
import { stage2Wrprotect } from '../ops/attrs';
import { stage2Split } from '../ops/split';
import { MAX_SLOTS } from './memslotCheck';
import type { KvmCore } from './state';
import type { ImplSlot } from './types';

/** All 32 bits of a bitmap word. */
const ALL_ONES = 2 ** 32 - 1;

/** Logging active for faults: a dirty bitmap and not READONLY (facts §17). */
export const loggingActive = (s: ImplSlot): boolean => s.dirty !== null && !s.readonly;

/** mark_page_dirty_in_slot: set the page's bit when the slot logs (facts §16, §21 item 38). */
export function markDirty(s: ImplSlot, gfn: number): void {
  if (!loggingActive(s) || s.dirty === null) return;
  const i = gfn - s.baseGfn;
  if (i < 0 || i >= s.npages) return;
  s.dirty[i >>> 5] |= 1 << (i & 31);
}

/** kvm_flush_remote_tlbs_memslot (range TLBI over the slot), skipped by `wrprotect-without-tlbi` (§22 M18). */
export function flushSlot(core: KvmCore, s: ImplSlot): void {
  if (core.bugs.has('wrprotect-without-tlbi')) return;
  core.effects.tlbiRange(s.gpa, s.size);
}

/** kvm_mmu_wp_memory_region: write-protect the whole slot, then flush it (facts §13 commit, §17). */
export function wrprotectSlot(core: KvmCore, s: ImplSlot): void {
  stage2Wrprotect(core.pgt, s.gpa, s.size);
  flushSlot(core, s);
  // kvm_arch_commit_memory_region: then kvm_mmu_split_memory_region, a no-op unless the VMM set a
  // split chunk size (kvm_mmu_split_huge_pages); each block becomes a table of pages with its attributes.
  if (core.config.eagerSplit === true) stage2Split(core.pgt, s.gpa, s.size);
}

/**
 * kvm_arch_mmu_enable_log_dirty_pt_masked for one 64-page group: write-protect from the lowest
 * to the highest set bit of (lo32, hi32) (a superset of the set pages). Source: arch/arm64/kvm/mmu.c.
 */
function wrprotectMasked(core: KvmCore, s: ImplSlot, groupFirst: number, lo32: number, hi32: number): void {
  if (lo32 === 0 && hi32 === 0) return;
  const first = lo32 !== 0 ? 31 - Math.clz32(lo32 & -lo32) : 32 + 31 - Math.clz32(hi32 & -hi32);
  const last = hi32 !== 0 ? 32 + 31 - Math.clz32(hi32) : 31 - Math.clz32(lo32);
  stage2Wrprotect(core.pgt, (s.baseGfn + groupFirst + first) * core.page, (last - first + 1) * core.page);
}

/** Slot id decoding shared by GET / CLEAR: EINVAL out of range, ENOENT without a bitmap (model: no slot is ENOENT too). */
function loggedSlot(core: KvmCore, slotArg: number): ImplSlot | Errno {
  if (!Number.isInteger(slotArg) || slotArg < 0 || slotArg >= 2 ** 32) throw new S2InputError('slot', `not a u32: ${slotArg}`);
  const asId = Math.floor(slotArg / 65536);
  const id = slotArg % 65536;
  if (asId >= 1 || id >= MAX_SLOTS) return 'EINVAL';
  const s = core.slots.byId.get(id);
  return s === undefined || s.dirty === null ? 'ENOENT' : s;
}

/** Push the indices of set bits of one 32-bit word at page offset `base`. */
function pushBits(out: number[], word: number, base: number): void {
  for (let w = word; w !== 0; w &= w - 1) out.push(base + 31 - Math.clz32(w & -w));
}

/**
 * KVM_GET_DIRTY_LOG, non-manual mode: per 64-page group take-and-clear the bits, write-protect
 * the group's set span, and flush the slot's TLBs if anything was set (kvm_get_dirty_log_protect, §17).
 */
export function getDirtyLog(core: KvmCore, slotArg: number): { errno: Errno | null; dirty: number[] } {
  const s = loggedSlot(core, slotArg);
  if (typeof s === 'string') return { errno: s, dirty: [] };
  const bm = s.dirty as Uint32Array;
  const dirty: number[] = [];
  for (let w = 0; w < bm.length; w += 2) {
    const lo = bm[w];
    const hi = w + 1 < bm.length ? bm[w + 1] : 0;
    if (lo === 0 && hi === 0) continue;
    bm[w] = 0;
    if (w + 1 < bm.length) bm[w + 1] = 0;
    pushBits(dirty, lo, w * 32);
    pushBits(dirty, hi, (w + 1) * 32);
    wrprotectMasked(core, s, w * 32, lo, hi);
  }
  if (dirty.length > 0) flushSlot(core, s);
  return { errno: null, dirty };
}

/**
 * KVM_CLEAR_DIRTY_LOG with an all-ones user bitmap over [first, first + count): EINVAL when
 * first is not a multiple of 64 (before the lookup) or the range is bad; clears and
 * write-protects the bits that were set; flushes if any was. Source: kvm_clear_dirty_log_protect (§17).
 */
export function clearDirtyLog(core: KvmCore, slotArg: number, first: number, count: number): { errno: Errno | null; cleared: number[] } {
  if (!Number.isInteger(first) || first < 0 || first >= 2 ** 64) throw new S2InputError('first', `not a u64: ${first}`);
  if (!Number.isInteger(count) || count < 0 || count >= 2 ** 32) throw new S2InputError('count', `not a u32: ${count}`);
  const s = loggedSlot(core, slotArg);
  if (s === 'EINVAL' || first % 64 !== 0) return { errno: 'EINVAL', cleared: [] };
  if (typeof s === 'string') return { errno: s, cleared: [] };
  if (first > s.npages || count > s.npages - first || (count !== s.npages - first && count % 64 !== 0)) return { errno: 'EINVAL', cleared: [] };
  const bm = s.dirty as Uint32Array;
  const cleared: number[] = [];
  for (let g = first; g < first + count; g += 64) {
    const n = Math.min(64, first + count - g);
    const w = g >>> 5;
    const loMask = n >= 32 ? ALL_ONES : 2 ** n - 1;
    const hiMask = n >= 64 ? ALL_ONES : n > 32 ? 2 ** (n - 32) - 1 : 0;
    const bits0 = (bm[w] & loMask) >>> 0;
    const bits1 = w + 1 < bm.length ? (bm[w + 1] & hiMask) >>> 0 : 0;
    bm[w] &= ~bits0;
    if (w + 1 < bm.length) bm[w + 1] &= ~bits1;
    pushBits(cleared, bits0, g);
    pushBits(cleared, bits1, g + 32);
    wrprotectMasked(core, s, g, bits0, bits1);
  }
  if (cleared.length > 0) flushSlot(core, s);
  return { errno: null, cleared };
}
