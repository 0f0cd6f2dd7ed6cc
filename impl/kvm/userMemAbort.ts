/** user_mem_abort in two halves around the mmu_lock: resolve (steps 1–12) and commit (steps 13–20) (facts §15.4). */
import type { AbortSyndrome } from '../../model/arch/esr';
import type { Outcome } from '../../model/types';
import { profileHas } from '../../model/kernelProfiles';
import { loggingActive } from './dirtyLog';
import { hugeMappingOk, sizeFault, type Sizing } from './blockSize';
import { deviceLeafAt } from './commitFault';
import type { KvmCore } from './state';
import type { ImplSlot, PendingFault } from './types';
import type { KernelPath } from '../kernelPaths';
import type { Vma } from '../../model/host/types';

const EFAULT: Outcome = Object.freeze({ kind: 'efault' });
const SIGBUS: Outcome = Object.freeze({ kind: 'sigbus' });
const INJECT_PABT: Outcome = Object.freeze({ kind: 'injectPabt' });
const LIVELOCK: Outcome = Object.freeze({ kind: 'livelock' });
const sizing: Sizing = { size: 0, forcePte: false };

/**
 * Steps 1–12 into `f` (which is marked active on success); returns null when the fault is now
 * resolved, or the outcome that ends it. `faultGranule` is the size of the leaf that took a
 * permission fault. Source: user_mem_abort, arch/arm64/kvm/mmu.c (facts §15.4, §15.6, §16).
 */
export function resolveFault(core: KvmCore, f: PendingFault, ipa: number, syn: AbortSyndrome, slot: ImplSlot,
  writeFault: boolean, permFault: boolean, faultGranule: number): Outcome | null {
  const exec = syn.isIabt && !syn.s1ptw;
  if (permFault && !writeFault && !exec) return EFAULT; // step 1
  const page = core.page;
  const gfn0 = Math.floor(ipa / page);
  const hva = slot.hva + (gfn0 - slot.baseGfn) * page; // __gfn_to_hva_memslot
  const vma = core.host.findVma(hva);
  if (vma === undefined) return EFAULT; // step 3
  const logging = loggingActive(slot);
  sizeFault(core, slot, vma, hva, logging, sizing); // steps 4–5
  const mapIpa = ipa - (ipa % sizing.size); // step 6
  // Step 8: mmu_seq before the pfn (v6.3); `late-mmu-seq-sample` samples it at commit instead.
  const mmuSeq = core.notifier.seq;
  const gfn = Math.floor(mapIpa / page); // step 6: the pfn is looked up for the aligned gfn
  const pfnHva = slot.hva + (gfn - slot.baseGfn) * page;
  const pfnr = core.host.hvaToPfn(pfnHva, { write: writeFault, writableOk: !slot.readonly }); // step 9
  if (pfnr.kind === 'hwpoison') return SIGBUS;
  let pfn: number;
  let hostWritable: boolean;
  let remappedProtNone = false;
  if (pfnr.kind === 'ok') { pfn = pfnr.pfn; hostWritable = pfnr.writable; }
  else {
    // hva_to_pfn_remapped: GUP failed, but a VM_PFNMAP VMA's present PTE is taken without looking at
    // the VMA's protection, so a PROT_NONE pfnmap still resolves (kernel finding `pfnmap-prot-none-mapped`).
    // Profile 6.12, deviation pfnmap-prot-none-livelock (seen on the real kernel): a PROT_NONE PFNMAP page in a slot
    // that could hold a PMD block around it is never mapped, the fault is replayed forever.
    if (vma.kind === 'pfnmap' && vma.prot === 'none' && profileHas(core.config, 'pfnmap-prot-none-livelock')
      && hugeMappingOk(core, slot, hva, core.pmd)) {
      core.kernelPaths.add('pfnmap-prot-none-livelock'); // the registered finding of the same name (6.12 only)
      return LIVELOCK;
    }
    const remapped = pfnr.kind === 'fault' && vma.kind === 'pfnmap' ? core.host.followPfnmap(pfnHva) : undefined;
    if (remapped === undefined || (writeFault && !remapped.writable)) return EFAULT; // KVM_PFN_ERR_FAULT / _RO_FAULT
    remappedProtNone = vma.prot === 'none';
    if (remappedProtNone) core.kernelPaths.add('pfnmap-prot-none-mapped'); // resolving it is the finding; the commit maps it
    pfn = remapped.pfn;
    hostWritable = remapped.writable;
  }
  let writable = hostWritable && !slot.readonly; // faultin: READONLY forces !writable (§16)
  // Step 10: device classification. `zero-page-device-rw`: kvm_is_mmio_pfn() true for the zero page (2014).
  const zeroAsDevice = core.bugs.has('zero-page-device-rw') && pfn === core.host.zeroPfn;
  const nonRamPfnmap = vma.kind === 'pfnmap' && !core.host.isRamPfn(pfn);
  let nonCacheable = zeroAsDevice;
  let cacheablePfnmap = false;
  if (nonRamPfnmap) {
    if ((vma.pgprot ?? 'device') === 'normal' && !profileHas(core.config, 'no-cacheable-pfnmap')) {
      if (!(core.config.fwb && core.config.dic) && !core.bugs.has('cacheable-pfnmap-without-fwb')) return EFAULT;
      cacheablePfnmap = true;
    } else nonCacheable = true; // s2_force_noncacheable
  } else if (logging && !writeFault) writable = false;
  // PAGE_S2_DEVICE was read-write before "define PAGE_S2_DEVICE as read-only by default" (seed 000).
  if (nonCacheable && (zeroAsDevice || core.bugs.has('ro-device-writable'))) writable = true;
  if (exec && nonCacheable) return INJECT_PABT; // step 11: -ENOEXEC
  const allowNc = (vma.allowAnyUncached === true && !profileHas(core.config, 'no-allow-any-uncached')) || core.bugs.has('nc-without-allow-uncached');
  f.ipa = ipa; f.mapIpa = mapIpa; f.gfn = gfn; f.slot = slot;
  f.slotGeneration = core.slotGeneration; f.mmuSeq = mmuSeq; f.permFault = permFault;
  f.faultGranule = faultGranule; f.writeFault = writeFault; f.exec = exec; f.hva = hva; f.pfn = pfn;
  f.writable = writable; f.size = sizing.size; f.forcePte = sizing.forcePte; f.nonCacheable = nonCacheable;
  f.memtype = nonCacheable ? (allowNc ? 'nc' : 'device') : 'normal';
  f.s1ptw = syn.s1ptw;
  // A walk's permission fault on a Device leaf handled as one a mapping could fix: the finding, whatever the commit does.
  if (syn.s1ptw && permFault && deviceLeafAt(core, ipa)) core.kernelPaths.add('s1ptw-device-livelock');
  kernelPathsOf(core, vma, hva, remappedProtNone, f.kernelPaths);
  f.execOk = !nonCacheable && (cacheablePfnmap || !nonRamPfnmap);
  f.active = true;
  return null;
}

/**
 * The kernel-finding paths (impl/kernelPaths.ts) a resolved fault takes once committed, into `out`:
 * a PROT_NONE PFNMAP resolved through its present PTE, a PFNMAP block running past the end of its
 * VMA (get_vma_page_shift). The relax paths are noted at the commit (commitFault.ts).
 */
function kernelPathsOf(core: KvmCore, vma: Vma, hva: number, remappedProtNone: boolean, out: KernelPath[]): void {
  out.length = 0;
  if (remappedProtNone) out.push('pfnmap-prot-none-mapped');
  const size = sizing.size;
  if (vma.kind === 'pfnmap' && size > core.page && hva - (hva % size) + size > vma.end) out.push('pfnmap-block-past-vma');
}
