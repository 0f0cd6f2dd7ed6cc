/** A guest access run to its final outcome, and the same fault split at the mmu_lock (facts §14.4, §15). */
import { effectiveMemType } from '../../model/arch/combine';
import { ACCESS_KINDS, S2InputError, type AccessKind, type MemType, type Outcome, type S1MemType } from '../../model/types';
import { stage2Mkyoung } from '../ops/attrs';
import { translate, type TranslateAccess, type TranslateFault } from '../translate';
import { isStage1Walk, isStore } from '../../model/arch/permission';
import type { HwAccess } from '../descriptor/hwWalk';
import { walksOf } from './classify';
import { commitFault } from './commitFault';
import { handleGuestAbort } from './handleGuestAbort';
import type { KvmCore } from './state';
import { makePendingFault, type PendingFault } from './types';

/** Faults one access may take before it must have finished (as the model). */
const MAX_FAULTS = 8;
const OK: Outcome = Object.freeze({ kind: 'ok' });
const RETRY: Outcome = Object.freeze({ kind: 'retry' });
const ENOMEM: Outcome = Object.freeze({ kind: 'errno', errno: 'ENOMEM' });
const LIVELOCK: Outcome = Object.freeze({ kind: 'livelock' });

/** The walk's access code per walk kind (hwWalk's 0 read, 1 write, 2 exec). */
const HW_ACCESS: Readonly<Record<TranslateAccess, HwAccess>> = { read: 0, write: 1, exec: 2 };

const S1_TYPES: readonly S1MemType[] = ['normal', 'nc', 'device'];
const S2_TYPES: readonly MemType[] = ['normal', 'nc', 'device'];
/** Frozen `ok` outcomes by [fwb][s1][s2], combined once (model/arch/combine, facts §11): a hit allocates nothing. */
const OK_TABLE: ReadonlyMap<S1MemType, ReadonlyMap<MemType, Outcome>>[] = [false, true].map((fwb) => new Map(S1_TYPES.map((s1) =>
  [s1, new Map(S2_TYPES.map((s2) => [s2, Object.freeze<Outcome>({ kind: 'ok', effective: effectiveMemType(s1, s2, fwb) })]))])));

function okWith(fwb: boolean, s1: S1MemType, s2: MemType): Outcome {
  const o = OK_TABLE[fwb ? 1 : 0].get(s1)?.get(s2);
  if (o === undefined) throw new S2InputError('s1', `unknown stage-1 memory type '${String(s1)}'`);
  return o;
}

function checkKind(kind: AccessKind): void {
  if (!(ACCESS_KINDS as readonly string[]).includes(kind)) throw new S2InputError('kind', `unknown access kind '${String(kind)}'`);
}

/**
 * The hardware: walk stage 2 for each access the instruction makes (CAS: read then write). With
 * VTCR_EL2.HA an AF fault is fixed by the walker itself and the walk repeated. With HCR_EL2.PTW,
 * which KVM always sets (HCR_GUEST_FLAGS), a stage-1 walk that reaches Device memory at stage 2
 * takes a stage-2 permission fault whatever the permissions. Each walk is first looked up in the
 * vCPU's TLB (core.tlb). The leaf is left in core.tout; returns
 * the fault, or null when the access went through. Source: Arm ARM D8 (stage-2 translation,
 * hardware AF update, HCR_EL2.PTW).
 */
function hardware(core: KvmCore, ipa: number, kind: AccessKind): TranslateFault | null {
  const walks = walksOf(kind);
  const tlb = core.tlb;
  const sizes = core.pgt.geom.granules;
  for (let i = 0; i < walks.length; i++) {
    const w = walks[i];
    // A cached translation serves the access as it did when cached (impl/tlb.ts); a miss walks and caches.
    let out = core.tout;
    if (!tlb.lookup(ipa, sizes, HW_ACCESS[w], out)) {
      out = translate(core.pgt, ipa, w, out);
      if (!out.ok && out.fault === 'accessFlag' && core.config.hwAccessFlag) {
        stage2Mkyoung(core.pgt, ipa);
        out = translate(core.pgt, ipa, w, out);
      }
      if (out.ok || out.fault === 'permission') tlb.fill(ipa, out, core.pgt);
    }
    if (!out.ok) return out.fault ?? 'translation';
    // walkToDeviceFaults, the walk kind tested first: decoding the leaf's memtype stays off the path of every other access.
    if (isStage1Walk(kind) && out.memtype === 'device') return 'permission';
  }
  return null;
}

/** DC CIVAC, and DC IVAC, which HCR_EL2.VM upgrades to clean+invalidate (Arm ARM D7.5.9.x, HCR_EL2.VM): both invalidate. */
const CLEAN_INVALS: ReadonlySet<AccessKind> = new Set<AccessKind>(['dc_civac', 'dc_ivac']);

/**
 * The D-cache after a completed access without FWB (impl/dcache.ts): a cacheable store dirties the
 * page, a non-cacheable store to cacheable RAM leaves memory newer than the cache, a CMO by VA
 * cleans (DC CVAC) or cleans and invalidates.
 */
function touchCache(core: KvmCore, kind: AccessKind, ok: Outcome): void {
  if (isStore(kind)) {
    if (ok.kind !== 'ok') return;
    if (ok.effective === 'normal-wb') core.dcache.guestWrite(core.tout.pa);
    else if (core.tout.memtype === 'normal') core.dcache.guestWriteNc(core.tout.pa);
  } else if (CLEAN_INVALS.has(kind)) core.dcache.clean(core.tout.pa, 1);
  else if (kind === 'dc_cvac') core.dcache.cleanOnly(core.tout.pa, 1);
}

/**
 * Run `kind` at `ipa` to completion: hardware walk → on a fault the handler (resolve and commit
 * back to back, a retry re-enters the guest) → walk again; `livelock` when MAX_FAULTS handled
 * faults did not let the access finish. Source: kvm_arch_vcpu_ioctl_run's
 * guest-entry loop + kvm_handle_guest_abort (facts §15.3).
 */
export function runAccess(core: KvmCore, ipa: number, kind: AccessKind, s1: S1MemType): Outcome {
  checkKind(kind);
  for (let i = 0; i <= MAX_FAULTS; i++) {
    const fault = hardware(core, ipa, kind);
    if (fault === null) {
      const ok = okWith(core.config.fwb, s1, core.tout.memtype as MemType);
      if (!core.config.fwb) touchCache(core, kind, ok);
      core.last.pa = core.tout.pa;
      core.last.memtype = core.tout.memtype as MemType;
      return ok;
    }
    const f = core.scratch;
    const r = handleGuestAbort(core, f, ipa, kind, fault, core.tout.leafSize);
    if (r === 'resume') continue;
    if (r !== 'resolved') return r;
    if (commitFault(core, f) === 'error') return ENOMEM;
  }
  // The handler keeps returning to the guest (-EAGAIN → 0) and the guest keeps faulting: a hung vCPU, not a harness error.
  return LIVELOCK;
}

function pendingOf(core: KvmCore, vcpu: number): PendingFault {
  let f = core.pending.get(vcpu);
  if (f === undefined) core.pending.set(vcpu, (f = makePendingFault()));
  return f;
}

function checkVcpu(vcpu: number): void {
  if (!Number.isSafeInteger(vcpu) || vcpu < 0) throw new S2InputError('vcpu', `must be a non-negative integer, got ${vcpu}`);
}

/**
 * First half of a split fault: walk, and on a fault run the handler up to the resolved pfn
 * (§15.4 steps 1–12). `ok` = no fault needed, the fault finished without user_mem_abort, or a
 * fault is now in flight; any other outcome ends it. S2InputError('vcpu') if one is already in flight.
 */
export function faultBegin(core: KvmCore, vcpu: number, ipa: number, kind: AccessKind): Outcome {
  checkVcpu(vcpu);
  checkKind(kind);
  const f = pendingOf(core, vcpu);
  if (f.active) throw new S2InputError('vcpu', `vCPU ${vcpu} already has a fault in flight`);
  const fault = hardware(core, ipa, kind);
  if (fault === null) return OK;
  const r = handleGuestAbort(core, f, ipa, kind, fault, core.tout.leafSize);
  return r === 'resume' || r === 'resolved' ? OK : r;
}

/** Second half: take the lock and install, or `retry` (§14.4). S2InputError('vcpu') with no fault in flight. */
export function faultCommit(core: KvmCore, vcpu: number): Outcome {
  checkVcpu(vcpu);
  const f = core.pending.get(vcpu);
  if (f === undefined || !f.active) throw new S2InputError('vcpu', `vCPU ${vcpu} has no fault in flight`);
  const r = commitFault(core, f);
  if (r === 'retry') return RETRY;
  return r === 'error' ? ENOMEM : OK;
}
