/** Everything the implementation's KVM functions share: config, switches, stage 2, slots, notifier, scratch. */
import type { KernelPathSet } from '../kernelPaths';
import type { ImplVariant } from '../variants';
import type { Config, MemType } from '../../model/types';
import type { BugSet } from '../bugs';
import type { RecordingEffects } from '../effects';
import type { Stage2Pgtable } from '../pgtable';
import type { Tlb } from '../tlb';
import type { DCache } from '../dcache';
import { makeTranslateOut, type TranslateOut } from '../translate';
import { blockLevels, type Geometry } from '../geometry';
import type { SlotIndex } from './slotIndex';
import type { MmuNotifierState } from './mmuNotifier';
import { makePendingFault, type ImplCounters, type ImplHost, type PendingFault } from './types';

/** The PA and stage-2 memory type the last completed access used (a TLB hit's, not necessarily the current leaf's). */
export interface LastAccess { pa: number; memtype: MemType }

/** The VM (struct kvm) as the impl's KVM code sees it. */
export interface KvmCore {
  readonly config: Config;
  readonly host: ImplHost;
  readonly bugs: BugSet;
  readonly pgt: Stage2Pgtable;
  readonly effects: RecordingEffects;
  /** The guest's TLBs (impl/tlb.ts), driven by `effects`' TLBIs. */
  readonly tlb: Tlb;
  /** The D-cache's guest-dirty pages (impl/dcache.ts). */
  readonly dcache: DCache;
  readonly slots: SlotIndex;
  /** Bumped on every memslot change (kvm->memslots generation). */
  slotGeneration: number;
  readonly notifier: MmuNotifierState;
  readonly counters: ImplCounters;
  /** Faults in flight by vCPU (reused records; `active` says whether one is pending). */
  readonly pending: Map<number, PendingFault>;
  /** Scratch record for an uninterrupted fault (access), so it allocates nothing. */
  readonly scratch: PendingFault;
  /** Reused out object of the hardware walk. */
  readonly tout: TranslateOut;
  /** Where the last completed access went (what impl/kvm/dataView.ts judges). */
  readonly last: LastAccess;
  /** The kernel-finding paths taken since the runner last cleared it (impl/kernelPaths.ts). */
  readonly kernelPaths: KernelPathSet;
  /** PAGE_SIZE, PMD and PUD block sizes of the granule (PUD 0 when the granule has no PUD block). */
  readonly page: number;
  readonly pmd: number;
  readonly pud: number;
  /** A test-only variant (impl/variants.ts), or undefined for mainline. */
  readonly variant?: ImplVariant;
}

/**
 * PMD / PUD block sizes of the host's page size (facts §1.1: 4K L1+L2, 16K/64K L2 only). PUD_SIZE
 * does not depend on stage 2's start level: with 4K and an IPA space of 32–34 bits (start level 2)
 * a PUD-sized fault still maps its whole range, as level-2 blocks (user_mem_abort's PUD_SHIFT case;
 * kvm_pgtable_stage2_map walks the range).
 */
export function blockSizesOf(g: Geometry): { pmd: number; pud: number } {
  return { pmd: g.granules[2], pud: blockLevels(g).includes(1) ? g.granules[1] : 0 };
}

/** Fresh per-core scratch values. */
export const freshScratch = (): { scratch: PendingFault; tout: TranslateOut; last: LastAccess; kernelPaths: KernelPathSet } =>
  ({ scratch: makePendingFault(), tout: makeTranslateOut(), last: { pa: -1, memtype: 'normal' }, kernelPaths: new Set() });
