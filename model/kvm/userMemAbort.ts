/** user_mem_abort in two halves: resolve the pfn (steps 1–12), then commit under the lock (steps 13–20). */
import { isExecFault } from '../arch/esr';
import type { Memslot } from '../memslotTypes';
import type { AccessKind, Outcome } from '../types';
import { classifyBacking } from './backing';
import { loggingActive, markDirty } from '../dirtylog';
import { gfnToHva } from '../memslots';
import type { KvmState, ResolvedFault } from './state';

/** A fault to resolve: the access, its slot, and how KVM classified it. */
export interface FaultRequest {
  vcpu: number;
  ipa: number;
  kind: AccessKind;
  slot: Memslot;
  writeFault: boolean;
  permFault: boolean;
}

/** Either a final outcome before the lock is taken, or a resolved fault waiting for the commit. */
export type ResolveResult = { kind: 'exit'; outcome: Outcome } | { kind: 'resolved'; fault: ResolvedFault };

const exit = (outcome: Outcome): ResolveResult => ({ kind: 'exit', outcome });

/**
 * Steps 1–12: reject perm faults that are neither write nor exec, find the VMA, sample mmu_seq,
 * fault the pfn in, classify the backing, refuse exec on non-cacheable memory, drop W for reads
 * while logging. Source: user_mem_abort, arch/arm64/kvm/mmu.c (facts §15.4).
 */
export function resolveFault(st: KvmState, req: FaultRequest): ResolveResult {
  const exec = isExecFault(req.kind);
  if (req.permFault && !req.writeFault && !exec) return exit({ kind: 'efault' }); // step 1
  const gfn = Math.floor(req.ipa / st.config.granule);
  const hva = gfnToHva(req.slot, gfn, st.config.granule);
  const vma = st.host.findVma(hva);
  if (!vma) return exit({ kind: 'efault' }); // step 3
  const mmuSeq = st.notifier.seq; // step 8: sampled before the pfn is resolved (§14.4)
  const readonly = req.slot.flags.readonly;
  const pfn = st.host.hvaToPfn(hva, { write: req.writeFault, writableOk: !readonly }); // step 9, §16
  if (pfn.kind === 'hwpoison') return exit({ kind: 'sigbus' });
  if (pfn.kind !== 'ok') return exit({ kind: 'efault' }); // error / RO-fault pfn
  const backing = classifyBacking(vma, st.host.isRamPfn(pfn.pfn), st.config); // step 10
  if (backing.kind === 'efault') return exit({ kind: 'efault' });
  let writable = pfn.writable && !readonly; // faultin: READONLY forces writable = false (§16)
  if (!backing.nonRamPfnmap && loggingActive(req.slot) && !req.writeFault) writable = false; // step 10 else-branch
  if (exec && !backing.execOk) return exit({ kind: 'injectPabt' }); // step 11: -ENOEXEC
  const fault: ResolvedFault = {
    vcpu: req.vcpu, ipa: req.ipa, kind: req.kind, gfn, slotId: req.slot.id,
    slotGeneration: st.slotGeneration, mmuSeq, permFault: req.permFault, pfn: pfn.pfn, writable,
    exec: exec || (backing.execOk && st.config.dic), memtype: backing.memtype,
  };
  return { kind: 'resolved', fault };
}

/**
 * Steps 13–20: under the lock, retry if an invalidation ran or is running since the sample (or the
 * memslots changed, which the kernel's SRCU section rules out); a permission fault relaxes the
 * existing leaf, a translation fault maps a page unless an equal leaf is already there (map()
 * returns -EAGAIN for perms-only differences); a writable result marks the page dirty.
 * Source: user_mem_abort, stage2_map_walker_try_leaf / stage2_pte_needs_update (facts §15.4, §21.14).
 */
export function commitFault(st: KvmState, f: ResolvedFault): 'installed' | 'again' | 'retry' {
  if (!st.notifier.mayInstall(f.mmuSeq) || st.slotGeneration !== f.slotGeneration) return 'retry';
  const perms = { r: true, w: f.writable, x: f.exec };
  const old = st.stage2.get(f.gfn);
  if (f.permFault && old) {
    st.stage2.set(f.gfn, { ...old, perms: { r: true, w: old.perms.w || perms.w, x: old.perms.x || perms.x } });
  } else if (old && old.af && old.pfn === f.pfn && old.memtype === f.memtype) {
    return 'again'; // only permissions (or nothing) differ: map() leaves the leaf alone
  } else {
    st.stage2.set(f.gfn, { pfn: f.pfn, perms, memtype: f.memtype, leafSize: st.config.granule, af: true });
  }
  const slot = st.slots.get(f.slotId);
  if (f.writable && slot) markDirty(slot, f.gfn); // step 19: mark_page_dirty_in_slot
  return 'installed';
}
