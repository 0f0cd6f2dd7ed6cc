/** The side-by-side world (HostMm + KvmModel, HostMm + KvmImpl) and the op-keyed step dispatch table. */
import type { ImplVariant } from '../../impl/variants';
import { HostMm } from '../../model/host/hostMm';
import type { HostResult, HvaToPfn } from '../../model/host/types';
import { KvmModel } from '../../model/index';
import type { SetMemslotArgs } from '../../model/memslotTypes';
import type { AccessKind, Config, Outcome, S1MemType } from '../../model/types';
import { walksOf } from '../../impl/kvm/classify';
import { KvmImpl } from '../../impl/kvm/index';
import type { Stage2Pgtable } from '../../impl/pgtable';
import type { TablePool } from '../../impl/pool';
import type { Step } from '../trace/codec';
import { hostAccessOn, setOwnerOn } from './pkvm';

/** The KVM API both executors share (model/index.ts API comment; impl/kvm mirrors it). */
export interface KvmApi {
  setMemslot(args: SetMemslotArgs): Outcome;
  getDirtyLog(slot: number): { outcome: Outcome; dirty: number[] };
  clearDirtyLog(slot: number, first: number, count: number): { outcome: Outcome; cleared: number[] };
  access(vcpu: number, ipa: number, kind: AccessKind, s1?: S1MemType): Outcome;
  faultBegin(vcpu: number, ipa: number, kind: AccessKind): Outcome;
  faultCommit(vcpu: number): Outcome;
  faultInFlight(vcpu: number): boolean;
  ioremap(ipa: number, pa: number, size: number, writable: boolean): Outcome;
}

/** pKVM host stage-2 ops, present only on an executor that has a host stage 2 (seed 004); else pkvm.ts runs them on `pgt`. */
interface PkvmApi {
  readonly pgt?: Stage2Pgtable;
  setOwner?(ipa: number, size: number, owner: number): Outcome;
  hostAccess?(ipa: number, kind: AccessKind): Outcome;
}

/** One executor: its own host mm and its KVM. */
export interface Side<K extends KvmApi = KvmApi> {
  readonly host: HostMm;
  readonly kvm: K;
}

/** Both executors of one trace. */
export interface World {
  readonly config: Config;
  readonly model: Side<KvmModel>;
  readonly impl: Side<KvmImpl>;
}

/** What one side did for a step. `dirty` carries getDirtyLog's dirty / clearDirtyLog's cleared indices. */
export interface SideResult {
  outcome: Outcome;
  dirty?: readonly number[];
}

/** Both sides' results; `model` is null for an op the model does not implement (setOwner, hostAccess). */
export interface StepResult {
  model: SideResult | null;
  impl: SideResult;
}

/** Build a fresh world: each executor gets its own HostMm (the host is deterministic, so both evolve alike); `pool` is reused table storage for the impl. */
export function newWorld(config: Config, pool?: TablePool, variant?: ImplVariant): World {
  const mh = new HostMm({ pageSize: config.granule, kernel: config.kernel, thp: config.thp });
  const ih = new HostMm({ pageSize: config.granule, kernel: config.kernel, thp: config.thp });
  const model = new KvmModel(config, mh);
  const impl = new KvmImpl(config, ih, pool, variant);
  // The TLBs are hardware both executors run on: the impl's maintenance drives them, the model reads them.
  model.useTlbs((vcpu, ipa, kind) => impl.tlb.denies(vcpu, ipa, walksOf(kind)));
  return { config, model: { host: mh, kvm: model }, impl: { host: ih, kvm: impl } };
}

const host = (r: HostResult): SideResult => ({ outcome: r.ok ? { kind: 'ok' } : { kind: 'errno', errno: r.errno } });
/** The VMM's own store into its mapping: a host write fault; SIGSEGV (no VMA, not writable) is reported as EFAULT. */
const vmmStore = (r: HvaToPfn): SideResult => ({ outcome: r.kind === 'ok' ? { kind: 'ok' } : { kind: 'errno', errno: 'EFAULT' } });
const ok = (): SideResult => ({ outcome: { kind: 'ok' } });
const out = (o: Outcome): SideResult => ({ outcome: o });

/**
 * Run `step` on one side: how each op runs there. Host calls are outcomes too (0 or errno). Trace
 * rule (model/index.ts preconditions, properties/steps guestKinds): faultCommit on a vCPU with
 * nothing in flight is a no-op `ok` (the fault already ended at faultBegin). Null when the side
 * has no such op (setOwner / hostAccess without a host stage 2). A switch, not an op-keyed table:
 * one monomorphic dispatch per side and step.
 */
export function applyOne(side: Side, step: Step): SideResult | null {
  const { kvm, host: h } = side as Side<KvmApi & PkvmApi>;
  const s = step;
  switch (s.op) {
    case 'setMemslot': return out(kvm.setMemslot(s));
    case 'getDirtyLog': { const r = kvm.getDirtyLog(s.slot); return { outcome: r.outcome, dirty: r.dirty }; }
    case 'clearDirtyLog': { const r = kvm.clearDirtyLog(s.slot, s.first, s.count); return { outcome: r.outcome, dirty: r.cleared }; }
    case 'mmap': return host(h.mmap(s));
    case 'munmap': return host(h.munmap(s.hva, s.size));
    case 'mprotect': return host(h.mprotect(s.hva, s.size, s.prot));
    case 'madviseDontneed': return host(h.madviseDontneed(s.hva, s.size));
    case 'migrate': return host(h.migrate(s.hva));
    case 'thpCollapse': return host(h.thpCollapse(s.hva));
    case 'thpSplit': return host(h.thpSplit(s.hva));
    case 'vmmWrite': return vmmStore(h.touch(s.hva, true));
    case 'invalidateBegin': h.invalidateBegin(s.hva, s.size); return ok();
    case 'invalidateEnd': h.invalidateEnd(s.id); return ok();
    case 'access': return out(kvm.access(s.vcpu, s.ipa, s.kind, s.s1));
    case 'faultBegin': return out(kvm.faultBegin(s.vcpu, s.ipa, s.kind));
    case 'faultCommit': return kvm.faultInFlight(s.vcpu) ? out(kvm.faultCommit(s.vcpu)) : ok();
    case 'age': h.age(s.hva, s.size); return ok();
    case 'testAge': h.testAge(s.hva, s.size); return ok();
    case 'ioremap': return out(kvm.ioremap(s.ipa, s.pa, s.size, s.writable));
    case 'setOwner': return kvm.setOwner ? out(kvm.setOwner(s.ipa, s.size, s.owner)) : kvm.pgt ? out(setOwnerOn(kvm.pgt, s.ipa, s.size, s.owner)) : null;
    case 'hostAccess': return kvm.hostAccess ? out(kvm.hostAccess(s.ipa, s.kind)) : kvm.pgt ? out(hostAccessOn(kvm.pgt, s.ipa)) : null;
    default: { const never: never = s; throw new Error(`applyOne: unknown op ${(never as Step).op}`); }
  }
}

/** Apply `step` to both sides (model first), returning both results. Throws HarnessError when no side can run it. */
export function applyStep(world: World, step: Step): StepResult {
  const model = applyOne(world.model, step);
  const impl = applyOne(world.impl, step);
  if (impl === null) throw new HarnessError(`op ${step.op}: the implementation does not support it`);
  return { model, impl };
}

/** An s2check bug or a trace breaking a runner rule (style-anchors item 10), distinct from a Violation. */
export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}
