/** arm64 kvm_arch_prepare_memory_region checks (facts §13), run for CREATE, MOVE and FLAGS_ONLY. */
import { profileHas } from './kernelProfiles';
import type { Errno } from './types';
import type { Vma } from './host/types';
import type { SetMemslotCtx } from './memslotTypes';

/*
 * API
 *   PREPARE_RULES: readonly PrepareRule[]       the checks, in the kernel's order
 *   arm64Prepare(slot, ctx): PrepareRule | undefined    the first failing rule
 * Not modelled: MTE (no MTE in Config), and the pre-5.5 -EPERM rule (a historical mutant, §22 M15).
 */

/** The new slot as prepare sees it. */
export interface PrepareSlot {
  baseGfn: number;
  npages: number;
  hva: number;
  size: number;
  logDirty: boolean;
}

/** One prepare rule: name, source, errno and the check. */
export interface PrepareRule {
  name: string;
  source: string;
  errno: Errno;
  fails(slot: PrepareSlot, ctx: SetMemslotCtx): boolean;
}

/** kvm_vma_is_cacheable: pgprot is not Normal-NC / Device-nGnRnE / Device-nGnRE; pfnmap default 'device'. */
export function pfnmapIsCacheable(vma: Vma): boolean {
  return (vma.pgprot ?? 'device') === 'normal';
}

function pfnmaps(slot: PrepareSlot, ctx: SetMemslotCtx): Vma[] {
  return ctx.vmasIntersecting(slot.hva, slot.size).filter((v) => v.kind === 'pfnmap');
}

/** The arm64 prepare checks, in order (kvm_arch_prepare_memory_region). */
export const PREPARE_RULES: readonly PrepareRule[] = [
  { name: 'slot end beyond the IPA space', source: 'kvm_arch_prepare_memory_region (facts §13.1)', errno: 'EFAULT',
    fails: (s, ctx) => s.baseGfn + s.npages > 2 ** ctx.config.iaBits / ctx.config.granule },
  { name: 'pfnmap VMA in a LOG_DIRTY slot', source: 'kvm_arch_prepare_memory_region (facts §13.2)', errno: 'EINVAL',
    fails: (s, ctx) => s.logDirty && pfnmaps(s, ctx).length > 0 },
  { name: 'cacheable pfnmap VMA without FWB and DIC', source: 'kvm_arch_prepare_memory_region (facts §13.2, v6.17; not before: profile no-cacheable-pfnmap)',
    errno: 'EINVAL',
    fails: (s, ctx) => !(ctx.config.fwb && ctx.config.dic) && !profileHas(ctx.config, 'no-cacheable-pfnmap') && pfnmaps(s, ctx).some(pfnmapIsCacheable) },
];

/** The first failing prepare rule, or undefined. */
export function arm64Prepare(slot: PrepareSlot, ctx: SetMemslotCtx): PrepareRule | undefined {
  return PREPARE_RULES.find((rule) => rule.fails(slot, ctx));
}
