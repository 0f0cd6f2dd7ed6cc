/** Mutable state of the KVM model: memslots, stage 2, notifier, ioremaps, faults in flight, counters. */
import type { MemslotTable } from '../memslotTypes';
import type { NotifierState } from '../notifier';
import type { Stage2 } from '../stage2';
import type { AccessKind, Config, MemType } from '../types';
import type { HostView } from './hostView';

/** A page installed by kvm_phys_addr_ioremap (facts §15.9). */
export interface IoremapPage {
  pfn: number;
  writable: boolean;
}

/** A fault that resolved its pfn and dropped the lock: what faultCommit installs (facts §15.4 steps 1–12). */
export interface ResolvedFault {
  vcpu: number;
  ipa: number;
  kind: AccessKind;
  gfn: number;
  slotId: number;
  /** Memslot generation at faultBegin (the kernel's SRCU read section keeps it stable). */
  slotGeneration: number;
  /** mmu_invalidate_seq sampled before the pfn was resolved (§14.4). */
  mmuSeq: number;
  permFault: boolean;
  /** Size of the leaf that took a permission fault (the ESR's fault level); 0 for other faults. */
  faultGranule: number;
  /** hva of the faulting page (the THP check of step 14 looks there). */
  hva: number;
  /** Steps 4–6: the mapping size the VMA allows, its force_pte, and the gfn aligned down to it. */
  size: number;
  forcePte: boolean;
  mapGfn: number;
  /** The backing is mapped non-cacheable (s2_force_noncacheable, step 10). */
  nonCacheable: boolean;
  /** pfn of `mapGfn` (the page faultin resolved). */
  pfn: number;
  writable: boolean;
  exec: boolean;
  memtype: MemType;
}

/** Guest-visible event counters (page_fault_test §19.1). */
export interface Counters {
  mmioExits: number;
  /** KVM_RUN failed with ENOSYS (NISV abort without KVM_CAP_ARM_NISV_TO_USER). */
  failedRuns: number;
}

/** Everything the model's KVM functions read and write. */
export interface KvmState {
  readonly config: Config;
  readonly host: HostView;
  readonly slots: MemslotTable;
  readonly stage2: Stage2;
  readonly notifier: NotifierState;
  readonly ioremaps: Map<number, IoremapPage>;
  readonly pending: Map<number, ResolvedFault>;
  readonly counters: Counters;
  /** Bumped on every successful memslot change. */
  slotGeneration: number;
  /**
   * Where the specification leaves KVM a choice of leaf size, another executor's choice: the size
   * in bytes of its leaf at a gfn (undefined: none, decide alone). See KvmModel.followLeafChoices.
   */
  leafChoice?: (gfn: number) => number | undefined;
  /**
   * The hardware environment's TLBs (impl/tlb.ts), shared with the other executor: whether `vcpu`
   * holds a translation of `ipa` that denies `kind` (an older, more restrictive one not yet
   * invalidated). Absent: no TLB, the tables decide alone. See KvmModel.useTlbs.
   */
  tlbDenies?: (vcpu: number, ipa: number, kind: AccessKind) => boolean;
}
