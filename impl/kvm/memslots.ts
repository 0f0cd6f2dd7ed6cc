/** KVM_SET_USER_MEMORY_REGION on the impl: validate, classify, arm64 prepare, commit (facts §12–13). */
import type { Errno } from '../../model/types';
import type { Vma } from '../../model/host/types';
import { profileHas } from '../../model/kernelProfiles';
import { PROT_DEVICE, PROT_R, PROT_W } from '../descriptor/prot';
import { stage2Map } from '../ops/map';
import { stage2Unmap } from '../ops/unmap';
import { wrprotectSlot } from './dirtyLog';
import { checkRegion, decodeRegion, type RegionRequest } from './memslotCheck';
import type { KvmCore } from './state';
import type { ImplSlot } from './types';

/** KVM_SET_USER_MEMORY_REGION arguments (same shape as the model's SetMemslotArgs). */
export interface SetRegionArgs {
  slot: number;
  gpa: number;
  size: number;
  hva: number;
  flags: readonly string[];
}

type Change = 'create' | 'delete' | 'move' | 'flagsOnly' | 'none';

/** __kvm_set_memory_region's classification against the old slot (facts §12.2). */
function classify(core: KvmCore, r: RegionRequest, old: ImplSlot | undefined): Change | Errno {
  const page = core.page;
  if (r.size === 0) return old ? 'delete' : 'EINVAL';
  if (!old) return core.slots.totalPages() + r.size / page >= 2 ** 64 ? 'EINVAL' : 'create';
  if (r.hva !== old.hva || r.size / page !== old.npages || r.readonly !== old.readonly) return 'EINVAL';
  if (r.gpa / page !== old.baseGfn) return 'move';
  return r.logDirty !== old.logDirty ? 'flagsOnly' : 'none';
}

/** kvm_vma_is_cacheable for a pfnmap VMA (default pgprot: device). */
const pfnmapCacheable = (v: Vma): boolean => (v.pgprot ?? 'device') === 'normal';

/**
 * kvm_arch_prepare_memory_region: slot end beyond the IPA space → EFAULT; pfnmap in a logging
 * slot → EINVAL; cacheable pfnmap without FWB+DIC → EINVAL (unless `cacheable-pfnmap-without-fwb`).
 * Source: arch/arm64/kvm/mmu.c (facts §13).
 */
function prepare(core: KvmCore, s: ImplSlot): Errno | null {
  const c = core.config;
  if (s.baseGfn + s.npages > 2 ** c.iaBits / core.page) return 'EFAULT';
  const pfnmaps = core.host.vmasIntersecting(s.hva, s.size).filter((v) => v.kind === 'pfnmap');
  if (s.logDirty && pfnmaps.length > 0) return 'EINVAL';
  const fwbOk = (c.fwb && c.dic) || core.bugs.has('cacheable-pfnmap-without-fwb');
  if (!fwbOk && !profileHas(c, 'no-cacheable-pfnmap') && pfnmaps.some(pfnmapCacheable)) return 'EINVAL';
  return null;
}

/**
 * `prepare-pfnmap-pgoff` (v3.18–v5.13, facts §13 item 3): map every VM_PFNMAP range of the slot
 * now, as Device with PA from vm_pgoff, writable iff the slot is not READONLY, via the ioremap path.
 */
function preparePfnmapPgoff(core: KvmCore, s: ImplSlot): void {
  const prot = PROT_R | PROT_DEVICE | (s.readonly ? 0 : PROT_W);
  for (const v of core.host.vmasIntersecting(s.hva, s.size)) {
    if (v.kind !== 'pfnmap') continue;
    const lo = Math.max(v.start, s.hva);
    const hi = Math.min(v.end, s.hva + s.size);
    for (let hva = lo; hva < hi; hva += core.page) {
      if (stage2Map(core.pgt, s.gpa + (hva - s.hva), core.page, (v.pa ?? 0) + (hva - v.start), prot) < 0) return;
    }
  }
}

function buildSlot(core: KvmCore, r: RegionRequest, old: ImplSlot | undefined): ImplSlot {
  const npages = r.size / core.page;
  // Dirty bitmap: reused if the old slot logged, else allocated (kvm_prepare_memory_region, §12.3).
  const dirty = r.logDirty ? old?.dirty ?? new Uint32Array(Math.ceil(npages / 32)) : null;
  return { id: r.id, gpa: r.gpa, size: r.size, hva: r.hva, baseGfn: r.gpa / core.page, npages,
    readonly: r.readonly, logDirty: r.logDirty, dirty };
}

/**
 * Validate, classify, overlap-check (EEXIST), prepare, then commit: DELETE / MOVE unmap the old
 * range (kvm_arch_flush_shadow_memslot), a slot with LOG_DIRTY is write-protected and flushed
 * (kvm_arch_commit_memory_region). Returns null or the errno. Source: kvm_set_memslot (facts §12.3).
 */
export function setMemslot(core: KvmCore, args: SetRegionArgs): Errno | null {
  const r = decodeRegion(args);
  const bad = checkRegion(r, core.page);
  if (bad) return bad;
  const old = core.slots.byId.get(r.id);
  const change = classify(core, r, old);
  if (change === 'none') return null;
  if (change !== 'create' && change !== 'delete' && change !== 'move' && change !== 'flagsOnly') return change;
  if (change === 'delete' && old) {
    core.slots.remove(old.id);
    core.slotGeneration++;
    stage2Unmap(core.pgt, old.gpa, old.size); // kvm_arch_flush_shadow_memslot
    return null;
  }
  const s = buildSlot(core, r, old);
  if ((change === 'create' || change === 'move') && core.slots.overlaps(s.id, s.baseGfn, s.npages)) return 'EEXIST';
  // MOVE: the INVALID copy is published and the old range flushed before prepare (kvm_invalidate_memslot).
  if (change === 'move' && old) stage2Unmap(core.pgt, old.gpa, old.size);
  const err = prepare(core, s);
  if (err) return err;
  if (core.bugs.has('prepare-pfnmap-pgoff')) preparePfnmapPgoff(core, s);
  core.slots.install(s);
  core.slotGeneration++;
  if (s.logDirty) wrprotectSlot(core, s); // commit: kvm_mmu_wp_memory_region
  return null;
}
