/** A guest access run to its final outcome, and the same fault split into faultBegin / faultCommit (facts §14.4, §15). */
import { effectiveMemType } from './arch/combine';
import { decideAbort } from './kvm/abort';
import { hardwareAccess } from './kvm/hardware';
import type { KvmState } from './kvm/state';
import { commitFault, resolveFault } from './kvm/userMemAbort';
import { S2InputError, type AccessKind, type Outcome, type S1MemType } from './types';

/** Faults one access may take before it must have finished (cas: read fault, COW retry, write fault…). */
const MAX_FAULTS = 8;

/** One step of the fault handler: resume the guest, or a final outcome. */
type Step = { kind: 'resume' } | { kind: 'exit'; outcome: Outcome };

/**
 * Run `kind` at `ipa` to completion: hardware check against the model's stage 2 → fault →
 * handler → re-check, until the access succeeds (ok + effective memory type, facts §11) or the
 * handler ends it (exit, injection, error).
 * Source: the guest-entry loop of kvm_arch_vcpu_ioctl_run + kvm_handle_guest_abort (facts §15.3).
 */
export function runAccess(st: KvmState, vcpu: number, ipa: number, kind: AccessKind, s1: S1MemType): Outcome {
  for (let i = 0; i <= MAX_FAULTS; i++) {
    const hw = hardwareAccess(st, ipa, kind);
    if (hw.kind === 'ok') return { kind: 'ok', effective: effectiveMemType(s1, hw.leaf.memtype, st.config.fwb) };
    const step = handleFault(st, vcpu, ipa, kind, hw.fsc);
    if (step.kind === 'exit') return step.outcome;
  }
  throw new Error(`model: access ${kind} at 0x${ipa.toString(16)} did not finish after ${MAX_FAULTS} faults`);
}

/** One fault, handled without interruption (resolve and commit back to back). */
function handleFault(st: KvmState, vcpu: number, ipa: number, kind: AccessKind, fsc: 'translation' | 'accessFlag' | 'permission'): Step {
  const d = decideAbort(st, { vcpu, ipa, kind, fsc });
  if (d.kind !== 'userMemAbort') return d;
  const r = resolveFault(st, d.req);
  if (r.kind === 'exit') return r;
  commitFault(st, r.fault); // 'retry' and 'again' both return to the guest (-EAGAIN → 0)
  return { kind: 'resume' };
}

/**
 * First half of a split fault: take the access's stage-2 fault and run it up to the point where
 * user_mem_abort has sampled mmu_seq and resolved the pfn (§15.4 steps 1–12). Returns `ok` when
 * no fault was needed, when the fault finished without user_mem_abort (access flag), or when a
 * fault is now in flight (see `faultInFlight`); any other outcome ends the fault here. A vCPU with a fault in flight may not begin another.
 */
export function faultBegin(st: KvmState, vcpu: number, ipa: number, kind: AccessKind): Outcome {
  if (st.pending.has(vcpu)) throw new S2InputError('vcpu', `vCPU ${vcpu} already has a fault in flight`);
  const hw = hardwareAccess(st, ipa, kind);
  // A stale, more restrictive TLB entry on this vCPU faults though the tables permit (model/index.ts useTlbs).
  const fsc = hw.kind === 'ok' ? (st.tlbDenies?.(vcpu, ipa, kind) === true ? 'permission' : null) : hw.fsc;
  if (fsc === null) return { kind: 'ok' };
  const d = decideAbort(st, { vcpu, ipa, kind, fsc });
  if (d.kind === 'exit') return d.outcome;
  if (d.kind === 'resume') return { kind: 'ok' };
  const r = resolveFault(st, d.req);
  if (r.kind === 'exit') return r.outcome;
  st.pending.set(vcpu, r.fault);
  return { kind: 'ok' };
}

/**
 * Second half: take mmu_lock and install, or `retry` when an invalidation ran since the sample
 * (mmu_invalidate_retry, §14.4). `ok` means the handler returned to the guest (including map()'s
 * -EAGAIN for an equal leaf). Throws S2InputError('vcpu') when no fault is in flight.
 */
export function faultCommit(st: KvmState, vcpu: number): Outcome {
  const f = st.pending.get(vcpu);
  if (!f) throw new S2InputError('vcpu', `vCPU ${vcpu} has no fault in flight`);
  st.pending.delete(vcpu);
  return commitFault(st, f) === 'retry' ? { kind: 'retry' } : { kind: 'ok' };
}
