/** KvmModel: the specification executor's KVM side — memslots, stage 2, notifier, faults, dirty log. */
import { clearDirtyLog, getDirtyLog, maskedWrprotectSpans } from './dirtylog';
import { faultBegin, faultCommit, runAccess } from './fault';
import type { HostView } from './kvm/hostView';
import { notifierListener } from './kvm/invalidate';
import { checkAccess, requireNat, requireS1 } from './kvm/input';
import { ioremap } from './kvm/ioremap';
import { permitted, type PermittedMapping } from './kvm/permitted';
import { permittedRun, type PermittedRun } from './kvm/permittedRun';
import type { IoremapPage, KvmState, ResolvedFault } from './kvm/state';
import { commitUnmapsOld, commitWriteProtects, setMemslot, type Memslot, type SetMemslotArgs } from './memslots';
import { NotifierState } from './notifier';
import { Stage2, type ModelLeaf } from './stage2';
import { S2InputError, type AccessKind, type Config, type Outcome, type S1MemType } from './types';

/*
 * API (DESIGN §3 steps that belong to KVM; the impl (issue 4) mirrors it, the runner (issue 5) consumes it)
 *   new KvmModel(config, host)                 subscribes the model's MMU-notifier listener to `host`
 *   setMemslot(args): Outcome                  ok | errno; delete/move unmap the old range; a LOG_DIRTY
 *                                              slot is write-protected on create/move/flags change
 *   getDirtyLog(slot): {outcome, dirty}         dirty page indices (ascending), cleared and write-protected
 *   clearDirtyLog(slot, first, count): {outcome, cleared}   cleared page indices, write-protected
 *   access(vcpu, ipa, kind, s1?): Outcome       run to the final outcome (ok carries `effective`)
 *   faultBegin(vcpu, ipa, kind): Outcome        ok = no fault needed or fault now in flight (faultInFlight)
 *   faultCommit(vcpu): Outcome                  ok | retry; S2InputError('vcpu') with no fault in flight
 *   faultInFlight(vcpu): boolean
 *   ioremap(ipa, pa, size, writable): Outcome   Device pages, W only if asked; errno EPERM (pKVM) / ERANGE
 * Read-only queries
 *   permitted(gfn): PermittedMapping | null     the loose spec the impl's leaf at gfn must fit (DESIGN §1)
 *   permittedRun(gfn, maxPages): PermittedRun   permitted(gfn) and how many pages from gfn (≤ maxPages) get it, pfn + k
 *   mapping(gfn): ModelLeaf | undefined         what the model itself installed
 *   mappedGfns(): number[]                      gfns the model has installed, ascending
 *   rangeVisits: number                         stage-2 lookups made by range operations (cost measure)
 *   memslots: ReadonlyMap<number, Memslot>
 *   counters: {mmioExits, failedRuns (KVM_RUN ENOSYS), uffdFaults (host)}
 *   notifier: {seq, inProgress, range}         read-only view of the MMU-notifier state
 * Preconditions the runner must respect (kernel-unreachable otherwise): no setMemslot while an
 * invalidation is open (the kernel's update waits for it, facts §12.3) or while a fault is in flight
 * (it waits for the fault's SRCU section); the model answers a fault that straddles a memslot
 * change with `retry`.
 */

/** Event counters compared by page_fault_test (facts §19.1). */
export interface KvmCounters {
  mmioExits: number;
  failedRuns: number;
  uffdFaults: number;
}

/** The model's KVM: one VM with its memslots and stage 2, driven by steps. */
export class KvmModel {
  private readonly st: KvmState;

  constructor(config: Config, private readonly host: HostView) {
    this.st = {
      config, host, slots: new Map(), stage2: new Stage2(config.granule), notifier: new NotifierState(),
      ioremaps: new Map(), pending: new Map(), counters: { mmioExits: 0, failedRuns: 0 }, slotGeneration: 0,
    };
    host.subscribe(notifierListener(this.st));
  }

  /** KVM_SET_USER_MEMORY_REGION. Source: kvm_set_memslot, kvm_arch_flush_shadow_memslot, kvm_arch_commit_memory_region (facts §12.3, §13). */
  setMemslot(args: SetMemslotArgs): Outcome {
    const r = setMemslot(this.st.slots, args, { config: this.st.config, vmasIntersecting: (hva, size) => this.host.vmasIntersecting(hva, size) });
    if (!r.ok) {
      if (r.flushedOld) this.st.stage2.unmap(r.flushedOld.baseGfn, r.flushedOld.npages);
      return { kind: 'errno', errno: r.errno };
    }
    if (r.change !== 'none') this.st.slotGeneration += 1;
    if (commitUnmapsOld(r) && r.old) this.st.stage2.unmap(r.old.baseGfn, r.old.npages);
    if (commitWriteProtects(r) && r.new) {
      this.st.stage2.wrprotect(r.new.baseGfn, r.new.npages);
      // With a split chunk size set, the blocks become pages at once (kvm_arch_commit_memory_region → kvm_mmu_split_memory_region).
      if (this.st.config.eagerSplit === true) this.st.stage2.split(r.new.baseGfn, r.new.npages);
    }
    return { kind: 'ok' };
  }

  /** KVM_GET_DIRTY_LOG: harvest, then write-protect each bitmap word's span of harvested pages. Source: kvm_get_dirty_log_protect. */
  getDirtyLog(slot: number): { outcome: Outcome; dirty: number[] } {
    const r = getDirtyLog(this.st.slots, slot);
    if (!r.ok) return { outcome: { kind: 'errno', errno: r.errno }, dirty: [] };
    for (const [first, count] of maskedWrprotectSpans(r.dirty)) this.st.stage2.wrprotect(r.slot.baseGfn + first, count);
    return { outcome: { kind: 'ok' }, dirty: r.dirty };
  }

  /** KVM_CLEAR_DIRTY_LOG: clear, then write-protect each bitmap word's span of cleared pages. Source: kvm_clear_dirty_log_protect. */
  clearDirtyLog(slot: number, first: number, count: number): { outcome: Outcome; cleared: number[] } {
    const r = clearDirtyLog(this.st.slots, slot, first, count);
    if (!r.ok) return { outcome: { kind: 'errno', errno: r.errno }, cleared: [] };
    for (const [first, count] of maskedWrprotectSpans(r.cleared)) this.st.stage2.wrprotect(r.slot.baseGfn + first, count);
    return { outcome: { kind: 'ok' }, cleared: r.cleared };
  }

  /** A guest access run to its final outcome (facts §15). */
  access(vcpu: number, ipa: number, kind: AccessKind, s1: S1MemType = 'normal'): Outcome {
    checkAccess(vcpu, ipa, kind);
    requireS1(s1);
    return runAccess(this.st, vcpu, ipa, kind, s1);
  }

  /** First half of a split fault (facts §15.4 steps 1–12). */
  faultBegin(vcpu: number, ipa: number, kind: AccessKind): Outcome {
    checkAccess(vcpu, ipa, kind);
    return faultBegin(this.st, vcpu, ipa, kind);
  }

  /** Second half of a split fault (facts §14.4, §15.4 steps 13–20). */
  faultCommit(vcpu: number): Outcome {
    requireNat('vcpu', vcpu);
    return faultCommit(this.st, vcpu);
  }

  /** The faults in flight (copies), by vCPU: what a state fingerprint (properties/explore) needs of them. */
  pendingFaults(): Readonly<ResolvedFault>[] {
    return [...this.st.pending.values()].sort((x, y) => x.vcpu - y.vcpu).map((f) => ({ ...f }));
  }

  /** Bumped on every successful memslot change (a fault in flight compares its own against it). */
  get slotGeneration(): number {
    return this.st.slotGeneration;
  }

  /** Does `vcpu` hold a fault between faultBegin and faultCommit? */
  faultInFlight(vcpu: number): boolean {
    return this.st.pending.has(vcpu);
  }

  /** kvm_phys_addr_ioremap (facts §15.9). */
  ioremap(ipa: number, pa: number, size: number, writable: boolean): Outcome {
    requireNat('ipa', ipa);
    requireNat('pa', pa);
    requireNat('size', size);
    return ioremap(this.st, ipa, pa, size, writable);
  }

  /**
   * Follow another executor's leaf-size choices: where a fault may map any leaf up to the
   * permitted size, map `choice(gfn)` bytes if it is a smaller page or block size (undefined:
   * stop following). The runner passes the impl's leaf sizes after each step, so the two worlds
   * stay alike — same faults, same host fault-ins — whatever size the kernel legitimately picks.
   */
  followLeafChoices(choice: ((gfn: number) => number | undefined) | undefined): void {
    if (choice) this.st.leafChoice = choice;
    else delete this.st.leafChoice;
  }

  /**
   * Share the hardware environment's TLBs (impl/tlb.ts): a split fault's first half on a vCPU whose
   * TLB still holds a more restrictive translation takes the permission fault the hardware raises
   * (Arm ARM D8.13), though the tables permit the access, and KVM handles it like any other
   * (user_mem_abort → relax, local TLBI). Uninterrupted accesses need no hook: KVM's local flush
   * makes their retry succeed, the outcome is the tables'. Undefined: stop.
   */
  useTlbs(denies: ((vcpu: number, ipa: number, kind: AccessKind) => boolean) | undefined): void {
    if (denies) this.st.tlbDenies = denies;
    else delete this.st.tlbDenies;
  }

  /** The loose spec at `gfn` (DESIGN §1). */
  permitted(gfn: number): PermittedMapping | null {
    requireNat('gfn', gfn);
    return permitted(this.st, gfn);
  }

  /** permitted(gfn) and the run of following pages with the same answer, pfn advancing (at most maxPages ≥ 1 pages). */
  permittedRun(gfn: number, maxPages: number): PermittedRun {
    requireNat('gfn', gfn);
    if (requireNat('maxPages', maxPages) === 0) throw new S2InputError('maxPages', 'must be at least 1');
    return permittedRun(this.st, gfn, maxPages);
  }

  /** How many gfns carry an ioremap request (a quick "none at all" test for invariants). */
  get ioremapCount(): number {
    return this.st.ioremaps.size;
  }

  /** The kvm_phys_addr_ioremap request recorded at `gfn` (a copy), if any. */
  ioremapAt(gfn: number): IoremapPage | undefined {
    const io = this.st.ioremaps.get(gfn);
    return io && { ...io };
  }

  /** The model's own leaf at `gfn`. */
  mapping(gfn: number): ModelLeaf | undefined {
    const leaf = this.st.stage2.get(gfn);
    return leaf && { ...leaf, perms: { ...leaf.perms } };
  }

  /** gfns with a model leaf, ascending. */
  mappedGfns(): number[] {
    return this.st.stage2.gfns();
  }

  /** Stage-2 leaf lookups made by range operations so far (unmap, wrprotect, aging): a cost measure for tests. */
  get rangeVisits(): number {
    return this.st.stage2.visited;
  }

  /** The memslot table (read-only view). */
  get memslots(): ReadonlyMap<number, Memslot> {
    return this.st.slots;
  }

  /** MMIO exits, KVM_RUN ENOSYS failures, and the host's uffd faults. */
  get counters(): KvmCounters {
    return { ...this.st.counters, uffdFaults: this.host.uffdFaults };
  }

  /** The MMU-notifier state (read-only view). */
  get notifier(): Readonly<Pick<NotifierState, 'seq' | 'inProgress' | 'range'>> {
    const n = this.st.notifier;
    return { seq: n.seq, inProgress: n.inProgress, range: n.range && { ...n.range } };
  }
}
