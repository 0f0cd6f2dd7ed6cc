/** Stage-2 memory type and exec rights per backing: RAM, device PFNMAP, cacheable PFNMAP (facts §15.6). */
import type { Vma } from '../host/types';
import type { Config, MemType } from '../types';
import { pfnmapIsCacheable } from '../memslotPrepare';
import { profileHas } from '../kernelProfiles';

/** How KVM may map a resolved pfn, or why it refuses. */
export type BackingClass =
  | { kind: 'map'; memtype: MemType; nonCacheable: boolean; execOk: boolean; nonRamPfnmap: boolean }
  | { kind: 'efault' };

/** A pfnmap VMA is cacheable unless its pgprot is Normal-NC or a Device type. Source: kvm_vma_is_cacheable (§15.4 step 7). */
export function vmaIsCacheable(vma: Vma): boolean {
  return vma.kind !== 'pfnmap' || pfnmapIsCacheable(vma);
}

/**
 * Classify a resolved pfn: non-RAM pfns of a PFNMAP VMA are Device-nGnRE (Normal-NC with
 * VM_ALLOW_ANY_UNCACHED) and never executable; a cacheable non-RAM PFNMAP is Normal only with
 * FWB+DIC, else -EFAULT; everything else is Normal WB and executable.
 * Source: user_mem_abort step 10 and step 16, arch/arm64/kvm/mmu.c (facts §15.4, §15.6).
 */
export function classifyBacking(vma: Vma, isRam: boolean, config: Config): BackingClass {
  if (vma.kind !== 'pfnmap' || isRam) return { kind: 'map', memtype: 'normal', nonCacheable: false, execOk: true, nonRamPfnmap: false };
  // Before v6.17 every non-RAM pfn is device (kvm_is_device_pfn): profile no-cacheable-pfnmap.
  if (vmaIsCacheable(vma) && !profileHas(config, 'no-cacheable-pfnmap')) {
    if (config.fwb && config.dic) return { kind: 'map', memtype: 'normal', nonCacheable: false, execOk: true, nonRamPfnmap: true };
    return { kind: 'efault' };
  }
  // VM_ALLOW_ANY_UNCACHED selects Normal-NC from v6.9 on (profile no-allow-any-uncached).
  const memtype: MemType = vma.allowAnyUncached && !profileHas(config, 'no-allow-any-uncached') ? 'nc' : 'device';
  return { kind: 'map', memtype, nonCacheable: true, execOk: false, nonRamPfnmap: true };
}
