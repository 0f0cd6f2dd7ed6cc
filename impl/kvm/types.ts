/** Shared types of the implementation's KVM: slots, pending faults, counters, the host it runs on. */
import type { KernelPath } from '../kernelPaths';
import type { HostView } from '../../model/kvm/hostView';
import type { MemType } from '../../model/types';

/** The host-mm environment as KVM sees it, plus the zero pfn (the 2014 zero-page behaviour needs it). */
export type ImplHost = HostView & { readonly zeroPfn: number };

/** One memslot (struct kvm_memory_slot): placement, flags, dirty bitmap (one bit per page). */
export interface ImplSlot {
  readonly id: number;
  readonly gpa: number;
  readonly size: number;
  readonly hva: number;
  readonly baseGfn: number;
  readonly npages: number;
  readonly readonly: boolean;
  readonly logDirty: boolean;
  /** dirty_bitmap: bit i = page baseGfn + i; null when the slot does not log (facts §12.3). */
  dirty: Uint32Array | null;
}

/** Guest-visible event counters (page_fault_test, facts §19.1). */
export interface ImplCounters {
  mmioExits: number;
  failedRuns: number;
  /** Stage-2 aborts kvm_handle_guest_abort handled past its IPA-range check (what tracefs kvm:kvm_guest_fault counts). */
  stage2Aborts: number;
}

/**
 * A fault between the pfn resolution and the commit (user_mem_abort's locals across the
 * mmu_lock). One object per vCPU, reused: a fault allocates nothing (facts §15.4 steps 1–12).
 */
export interface PendingFault {
  active: boolean;
  ipa: number;
  /** The fault IPA aligned down to `size` (step 6). */
  mapIpa: number;
  gfn: number;
  slot: ImplSlot | null;
  slotGeneration: number;
  mmuSeq: number;
  permFault: boolean;
  /** Size of the leaf that took the permission fault (fault_granule). */
  faultGranule: number;
  writeFault: boolean;
  exec: boolean;
  hva: number;
  pfn: number;
  writable: boolean;
  /** vma_pagesize after the downgrade rules (step 5). */
  size: number;
  forcePte: boolean;
  nonCacheable: boolean;
  memtype: MemType;
  /** X may be granted without an exec fault (cacheable memory on a DIC CPU, step 16). */
  execOk: boolean;
  /** A stage-1 walk's fault (ESR S1PTW). */
  s1ptw: boolean;
  /** The kernel-finding paths this fault takes if its commit installs (impl/kernelPaths.ts); reused, emptied per fault. */
  readonly kernelPaths: KernelPath[];
}

/** A fresh pending-fault record. */
export function makePendingFault(): PendingFault {
  return {
    active: false, ipa: 0, mapIpa: 0, gfn: 0, slot: null, slotGeneration: 0, mmuSeq: 0, permFault: false,
    faultGranule: 0, writeFault: false, exec: false, hva: 0, pfn: 0, writable: false, size: 0,
    forcePte: false, nonCacheable: false, memtype: 'normal', execOk: false, s1ptw: false, kernelPaths: [],
  };
}
