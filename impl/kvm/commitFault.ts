/** user_mem_abort steps 13–20 under the mmu_lock: retry check, THP adjust, relax or map, dirty bit (facts §15.4). */
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_W, PROT_X } from '../descriptor/prot';
import { memTypeOf, oaOf } from '../descriptor/codec';
import { EAGAIN } from '../errno';
import { stage2RelaxPerms } from '../ops/attrs';
import { stage2GetLeaf, type LeafOut } from '../ops/leaf';
import { stage2Map } from '../ops/map';
import { hugeMappingOk } from './blockSize';
import { markDirty } from './dirtyLog';
import type { KvmCore } from './state';
import type { PendingFault } from './types';

/** What the commit did: installed (or relaxed), map found an equal leaf (-EAGAIN), or must retry. */
export type CommitResult = 'installed' | 'again' | 'retry' | 'error';

/**
 * Take the lock: retry when an invalidation is in progress or mmu_seq moved (skipped by
 * `no-mmu-seq-retry`; `late-mmu-seq-sample` compares against the seq read now), or when the
 * memslots changed (the kernel's SRCU section makes that impossible; the model retries too).
 * Then THP-adjust a PAGE fault, relax a permission fault of the same granule, else map with
 * HANDLE_FAULT; a writable success marks the page dirty. Source: user_mem_abort (facts §14.4, §15.4).
 */
export function commitFault(core: KvmCore, f: PendingFault): CommitResult {
  f.active = false;
  const slot = f.slot;
  if (slot === null) return 'retry';
  const seq = core.bugs.has('late-mmu-seq-sample') ? core.notifier.seq : f.mmuSeq;
  if (!core.bugs.has('no-mmu-seq-retry') && core.notifier.mustRetry(seq)) return 'retry'; // step 13
  if (core.slotGeneration !== f.slotGeneration) return 'retry';
  const page = core.page;
  let size = f.size;
  let ipa = f.mapIpa;
  let pfn = f.pfn;
  if (size === page && !f.forcePte && !f.nonCacheable) { // step 14
    if (f.permFault && f.faultGranule > page) {
      size = f.faultGranule;
      ipa = f.ipa - (f.ipa % size);
    } else if (hugeMappingOk(core, slot, f.hva, core.pmd) && core.host.hostLeafSize(f.hva) >= core.pmd) {
      size = core.pmd;
      ipa = f.ipa - (f.ipa % size);
      pfn -= pfn % (core.pmd / page);
    }
  }
  let prot = PROT_R | (f.writable ? PROT_W : 0) | (f.exec ? PROT_X : 0); // step 16
  if (f.nonCacheable) prot |= f.memtype === 'nc' ? PROT_NORMAL_NC : PROT_DEVICE;
  else if (core.config.dic && f.execOk) prot |= PROT_X;
  let ret: number;
  const relax = f.permFault && size === f.faultGranule;
  if (relax) {
    noteRelaxPaths(core, f);
    ret = stage2RelaxPerms(core.pgt, f.ipa, prot); // step 17
  } else ret = stage2Map(core.pgt, ipa, size, pfn * page, prot, { handleFault: true });
  if (ret === 0 && f.writable) markDirty(slot, f.gfn); // step 19: the gfn of step 6
  if (ret === 0) for (const k of f.kernelPaths) core.kernelPaths.add(k);
  if (ret === 0) return 'installed';
  // A PUD_SIZE fault with stage 2 starting at level 2 maps level-2 blocks; the walk stops at the first equal one (-EAGAIN).
  if (ret === EAGAIN && size === core.pud && core.pgt.geom.startLevel > 1) core.kernelPaths.add('pud-fault-level2-livelock');
  return ret === EAGAIN ? 'again' : 'error'; // step 20: -EAGAIN → 0
}

const leafOut: LeafOut = { lo: 0, hi: 0, level: -1, valid: false };

/**
 * The kernel-finding paths of a permission fault relaxed in place (relax_perms looks at neither the
 * leaf's pfn nor its memory type): a leaf mapping another page than the slot's (an ioremap leaf),
 * and a stage-1 walk's fault on a Device leaf (HCR_EL2.PTW), which no relaxation can end.
 */
function noteRelaxPaths(core: KvmCore, f: PendingFault): void {
  if (stage2GetLeaf(core.pgt, f.ipa, leafOut) !== 0 || !leafOut.valid) return;
  const page = core.page;
  const leafSize = core.pgt.geom.granules[leafOut.level];
  const leafPa = oaOf(leafOut.lo, leafOut.hi, core.pgt.geom.pageShift) + (f.ipa % leafSize) - (f.ipa % page);
  if (leafPa !== f.pfn * page + (f.ipa - (f.ipa % page) - f.mapIpa)) core.kernelPaths.add('ioremap-in-slot-relaxed');
  if (f.s1ptw && memTypeOf(leafOut.lo, core.pgt.fwb) === 'device') core.kernelPaths.add('s1ptw-device-livelock');
}

/** Whether the valid leaf at `ipa` is Device memory (what HCR_EL2.PTW faults a stage-1 walk on). */
export function deviceLeafAt(core: KvmCore, ipa: number): boolean {
  return stage2GetLeaf(core.pgt, ipa, leafOut) === 0 && leafOut.valid && memTypeOf(leafOut.lo, core.pgt.fwb) === 'device';
}
