/** KvmImpl: the implementation's KVM — memslots, bit-exact stage 2, MMU notifier, faults, dirty log; mirrors KvmModel. */
import type { ImplVariant } from '../variants';
import { translate } from '../translate';
import type { Memslot } from '../../model/memslotTypes';
import type { AccessKind, Config, DataView, Outcome, S1MemType } from '../../model/types';
import { parseBugs, type BugSet } from '../bugs';
import type { RecordingEffects } from '../effects';
import type { KernelPathSet } from '../kernelPaths';
import { Tlb } from '../tlb';
import { DCache } from '../dcache';
import { ICache } from '../icache';
import { HwEffects } from '../hwEffects';
import { Stage2Pgtable } from '../pgtable';
import type { TablePool } from '../pool';
import { dataView } from './dataView';
import { clearDirtyLog, getDirtyLog } from './dirtyLog';
import { faultBegin, faultCommit, runAccess } from './fault';
import { ioremap } from './ioremap';
import { setMemslot, type SetRegionArgs } from './memslots';
import { MmuNotifierState, notifierListener } from './mmuNotifier';
import { SlotIndex } from './slotIndex';
import { blockSizesOf, freshScratch, type KvmCore } from './state';
import type { ImplHost } from './types';

/*
 * API (mirrors KvmModel, model/index.ts)
 *   new KvmImpl(config, host)                   subscribes the MMU-notifier handlers to `host`
 *   setMemslot(args): Outcome                   ok | errno
 *   getDirtyLog(slot): {outcome, dirty}          clearDirtyLog(slot, first, count): {outcome, cleared}
 *   access(vcpu, ipa, kind, s1?): Outcome        faultBegin(vcpu, ipa, kind) / faultCommit(vcpu) / faultInFlight(vcpu)
 *   ioremap(ipa, pa, size, writable): Outcome
 *   memslots: ReadonlyMap<number, Memslot>      counters: {mmioExits, failedRuns, uffdFaults}
 *   notifier: {seq, inProgress, range}
 * Impl-only: pgt (Stage2Pgtable), effects (RecordingEffects), slotIndex (SlotIndex), bugs.
 */

/** Event counters compared by page_fault_test (facts §19.1). */
export interface KvmImplCounters {
  mmioExits: number;
  failedRuns: number;
  uffdFaults: number;
}

/** One VM on the bit-exact tables, driven by the same steps as KvmModel. */
export class KvmImpl {
  private readonly core: KvmCore;
  /** The guest's TLBs (impl/tlb.ts): filled by completed walks, emptied by the TLBIs this VM issues. */
  readonly tlb = new Tlb();
  /** The D-cache's guest-dirty pages (impl/dcache.ts): written by stores, cleaned by KVM's and the guest's CMOs. */
  readonly dcache: DCache;
  /** The memory invalidated from the I-cache since the host wrote it (impl/icache.ts). */
  readonly icache: ICache;

  /** `pool`: table storage to reuse (it is reset; nothing else may use it while this VM lives); `variant`: test-only (impl/variants.ts). */
  constructor(config: Config, private readonly host: ImplHost, pool?: TablePool, variant?: ImplVariant) {
    const bugs = parseBugs(config.bugs, 'config.bugs');
    this.dcache = new DCache(config.granule);
    this.icache = new ICache(config.granule);
    const effects = new HwEffects(this.tlb, this.dcache, this.icache);
    const pgt = new Stage2Pgtable({ granule: config.granule, iaBits: config.iaBits, fwb: config.fwb, tlbiRange: config.tlbiRange ?? false, effects, bugs, ...(pool ? { pool } : {}) });
    const { pmd, pud } = blockSizesOf(pgt.geom);
    this.core = {
      config, host, bugs, pgt, effects, tlb: this.tlb, dcache: this.dcache, slots: new SlotIndex(), slotGeneration: 0, notifier: new MmuNotifierState(),
      counters: { mmioExits: 0, failedRuns: 0, stage2Aborts: 0 }, pending: new Map(), ...freshScratch(),
      page: config.granule, pmd, pud, ...(variant ? { variant } : {}),
    };
    host.subscribe(notifierListener(this.core));
    host.observeCopies?.((src, dst, pages) => this.dcache.hostCopy(src * config.granule, dst * config.granule, pages));
  }

  /** The kernel-finding paths (impl/kernelPaths.ts) taken since the last clear; the runner clears it before each step. */
  get kernelPaths(): KernelPathSet {
    return this.core.kernelPaths;
  }

  /** KVM_SET_USER_MEMORY_REGION (facts §12–13). */
  setMemslot(args: SetRegionArgs): Outcome {
    const e = setMemslot(this.core, args);
    return e === null ? { kind: 'ok' } : { kind: 'errno', errno: e };
  }

  /** KVM_GET_DIRTY_LOG (facts §17). */
  getDirtyLog(slot: number): { outcome: Outcome; dirty: number[] } {
    const r = getDirtyLog(this.core, slot);
    return { outcome: r.errno === null ? { kind: 'ok' } : { kind: 'errno', errno: r.errno }, dirty: r.dirty };
  }

  /** KVM_CLEAR_DIRTY_LOG (facts §17). */
  clearDirtyLog(slot: number, first: number, count: number): { outcome: Outcome; cleared: number[] } {
    const r = clearDirtyLog(this.core, slot, first, count);
    return { outcome: r.errno === null ? { kind: 'ok' } : { kind: 'errno', errno: r.errno }, cleared: r.cleared };
  }

  /** A guest access run to its final outcome (facts §15). */
  access(vcpu: number, ipa: number, kind: AccessKind, s1: S1MemType = 'normal'): Outcome {
    this.vcpuLoad(vcpu);
    return runAccess(this.core, ipa, kind, s1);
  }

  /**
   * The vCPU threads share one host CPU (real/: QEMU -smp 1), so KVM_RUN's kvm_arch_vcpu_load flushes
   * the TLB context whenever another vCPU of this VM ran on it last (last_vcpu_ran,
   * __kvm_flush_cpu_context); off (the default), each vCPU has a CPU of its own and keeps its TLB.
   */
  oneHostCpu = false;
  private lastRan = -1;

  /** KVM_RUN on `vcpu`: it runs now; on one host CPU, after another vCPU, with a flushed TLB. */
  private vcpuLoad(vcpu: number): void {
    if (this.oneHostCpu && this.lastRan !== vcpu) this.tlb.invalidateAll();
    this.lastRan = vcpu;
    this.tlb.current = vcpu;
  }

  /** What the access that just returned `o` found in memory (impl/kvm/dataView.ts); undefined when it has no data view. */
  dataView(ipa: number, kind: AccessKind, o: Outcome): DataView | undefined {
    return dataView(this.core, this.icache, ipa, kind, o);
  }

  /** First half of a split fault (facts §15.4 steps 1–12). */
  faultBegin(vcpu: number, ipa: number, kind: AccessKind): Outcome {
    this.vcpuLoad(vcpu);
    return faultBegin(this.core, vcpu, ipa, kind);
  }

  /** Second half of a split fault (facts §14.4, §15.4 steps 13–20). */
  faultCommit(vcpu: number): Outcome {
    this.tlb.current = vcpu;
    return faultCommit(this.core, vcpu);
  }

  /** The fault `vcpu` holds between faultBegin and faultCommit: what it sampled and resolved (a copy), or undefined. */
  pendingFault(vcpu: number): { ipa: number; mmuSeq: number; pfn: number; writable: boolean } | undefined {
    const f = this.core.pending.get(vcpu);
    return f?.active ? { ipa: f.ipa, mmuSeq: f.mmuSeq, pfn: f.pfn, writable: f.writable } : undefined;
  }

  /** Does `vcpu` hold a fault between faultBegin and faultCommit? */
  faultInFlight(vcpu: number): boolean {
    return this.core.pending.get(vcpu)?.active === true;
  }

  /** kvm_phys_addr_ioremap (facts §15.9). */
  ioremap(ipa: number, pa: number, size: number, writable: boolean): Outcome {
    return ioremap(this.core, ipa, pa, size, writable);
  }

  /** The memslots in the model's shape (dirty bitmap as a set of page indices); built per call. */
  get memslots(): ReadonlyMap<number, Memslot> {
    const out = new Map<number, Memslot>();
    for (const s of this.core.slots.all) {
      let dirty: Set<number> | undefined;
      if (s.dirty !== null) {
        dirty = new Set();
        for (let w = 0; w < s.dirty.length; w++) {
          if (s.dirty[w] === 0) continue; // most words are clean: O(npages / 32)
          for (let i = w * 32; i < Math.min(s.npages, w * 32 + 32); i++) if ((s.dirty[w] >>> (i & 31)) & 1) dirty.add(i);
        }
      }
      out.set(s.id, { id: s.id, gpa: s.gpa, size: s.size, hva: s.hva, baseGfn: s.baseGfn, npages: s.npages,
        flags: { readonly: s.readonly, logDirty: s.logDirty }, dirty });
    }
    return out;
  }

  /** MMIO exits, KVM_RUN ENOSYS failures, and the host's uffd faults. */
  get counters(): KvmImplCounters {
    return { mmioExits: this.core.counters.mmioExits, failedRuns: this.core.counters.failedRuns, uffdFaults: this.host.uffdFaults };
  }

  /** Stage-2 aborts handled so far (what the kernel's kvm:kvm_guest_fault trace event counts; real/run.ts compares them). */
  get stage2Aborts(): number {
    return this.core.counters.stage2Aborts;
  }

  /** The MMU-notifier state (read-only view; range null = INVALID). */
  get notifier(): { seq: number; inProgress: number; range: { start: number; end: number } | null } {
    const n = this.core.notifier;
    return { seq: n.seq, inProgress: n.inProgress, range: n.rangeStart < 0 ? null : { start: n.rangeStart, end: n.rangeEnd } };
  }

  /** The stage-2 page table. */
  get pgt(): Stage2Pgtable {
    return this.core.pgt;
  }

  /** Everything the kernel issued: TLBIs, CMOs, table alloc/free, descriptor stores. */
  get effects(): RecordingEffects {
    return this.core.effects;
  }

  /** The memslot index. */
  get slotIndex(): SlotIndex {
    return this.core.slots;
  }

  /** Switched-on historical behaviours. */
  get bugs(): BugSet {
    return this.core.bugs;
  }

  /** Bytes mapped by the valid leaf covering `gfn` (whatever it permits), or 0 when none does. */
  leafSizeAt(gfn: number): number {
    return translate(this.core.pgt, gfn * this.core.page, 'read', this.core.tout).leafSize;
  }

}
