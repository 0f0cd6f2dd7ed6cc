/** What stage-2 translation KVM is permitted to have at a gfn, given the current world (DESIGN §1). */
import { loggingActive } from '../dirtylog';
import { gfnToHva, slotForGfn } from '../memslotLookup';
import type { Memslot } from '../memslotTypes';
import type { MemType, Perms } from '../types';
import { classifyBacking } from './backing';
import { maxLeafSize } from './blockSize';
import type { KvmState } from './state';

/**
 * The most KVM may map at one gfn: exactly this pfn and memtype, at most these permissions, in a
 * leaf no larger than `maxLeafSize` (a leaf may map less: no entry, fewer perms, smaller size).
 */
export interface PermittedMapping {
  pfn: number;
  memtype: MemType;
  perms: Perms;
  maxLeafSize: number;
}

/**
 * ioremap'd pages are Device, writable as requested. A memslot gfn may map the pfn the host maps
 * now at its hva, unless that hva is inside an open invalidation (§21 invariant 31, 33), with the
 * memtype of its backing (§15.6); W needs a writable slot, a writable host PTE and — while logging
 * — the page's dirty bit (§21 invariant 35); X only for cacheable memory (§21 invariant 5, 26).
 * Source: user_mem_abort (facts §15.4–15.6), kvm_phys_addr_ioremap (§15.9).
 */
export function permitted(st: KvmState, gfn: number): PermittedMapping | null {
  const page = st.config.granule;
  const io = st.ioremaps.get(gfn);
  const slot = slotForGfn(st.slots, gfn);
  // ioremap leaves only a stage-2 entry behind: once a memslot op unmapped it, the slot's rule applies (facts §15.9).
  const leaf = st.stage2.get(gfn);
  if (io && (!slot || (leaf?.pfn === io.pfn && leaf.memtype === 'device'))) {
    return { pfn: io.pfn, memtype: 'device', perms: { r: true, w: io.writable, x: false }, maxLeafSize: page };
  }
  if (!slot) return null;
  const hva = gfnToHva(slot, gfn, page);
  const vma = st.host.findVma(hva);
  const pte = st.host.pte(hva);
  if (!vma || !pte || st.notifier.invalidating(hva)) return null;
  const backing = classifyBacking(vma, st.host.isRamPfn(pte.pfn), st.config);
  if (backing.kind === 'efault') return null;
  const w = !slot.flags.readonly && pte.writable && (!loggingActive(slot) || dirtySinceHarvest(slot, gfn));
  const maxLeaf = maxLeafSize({
    // Enabling logging write-protects but does not split existing blocks (no eager split by default, facts §17):
    // read-only blocks may stay; a writable leaf while logging must be a page.
    slot, vma, hva, granule: st.config.granule, logging: loggingActive(slot) && w,
    nonCacheable: backing.nonCacheable, hostLeaf: pte.size,
  });
  return { pfn: pte.pfn, memtype: backing.memtype, perms: { r: true, w, x: backing.execOk }, maxLeafSize: maxLeaf };
}

/** The page's bit is set in the slot's dirty bitmap (set by a writable fault, cleared by GET/CLEAR). */
function dirtySinceHarvest(slot: Memslot, gfn: number): boolean {
  return slot.dirty?.has(gfn - slot.baseGfn) ?? false;
}
