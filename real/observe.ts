/**
 * What the real kernel under QEMU lets us observe, and the comparison of each observation with the
 * model's prediction. `notObservable` is THE projection: everything it names is reported as "not
 * observable", never as agreement.
 */
import type { Errno, Outcome } from '../model/types';
import type { Step } from '../properties/trace/codec';
import type { TraceExpect } from '../properties/trace/schema';
import { ERRNOS } from '../properties/trace/vocab';
import { outcomeToExpect } from '../properties/trace/expect';

/** One step as the runner printed it (real/runner/s2runner.c header). */
export interface RealStep {
  readonly k: string;
  readonly a?: string;
  readonly l?: number;
  readonly w?: number;
  readonly e?: string;
  readonly esr?: string;
  readonly d?: readonly number[];
  readonly n?: number;
  /** Stage-2 aborts KVM handled during an access step (tracefs kvm:kvm_guest_fault), when the kernel traces them. */
  readonly f?: number;
  /** The first (up to 8) IPAs of those faults. */
  readonly fa?: readonly string[];
  /** The 64-bit value a load read (hex). */
  readonly v?: string;
}

/** What the kernel did, in the model's vocabulary where it has a word for it. */
export type Observed = { readonly outcome: Outcome; readonly dirty?: readonly number[] } | { readonly other: string };

const CMO_KINDS = new Set(['dc_civac', 'dc_ivac', 'dc_cvac']);
/** ESR_ELx.EC values (Arm ARM D24.2.40): data / instruction abort from the same / a lower EL. */
const EC_DABT_CUR = 0x25;
const EC_DABT_LOW = 0x24;
const EC_IABT_CUR = 0x21;
const EC_IABT_LOW = 0x20;
/** ESR_ELx.ISS.{D,I}FSC: synchronous external abort, what KVM injects (inject_abt64). */
const FSC_SYNC_EXTERNAL = 0x10;
/** DFSC 0b0001LL / 0b0010LL: translation / Access flag fault at level LL (Arm ARM D24.2.40). */
const isTranslationOrAfFault = (esr: number): boolean => (esr & 0x3c) === 0x04 || (esr & 0x3c) === 0x08;

/**
 * Why a step's result cannot be compared on this kernel under QEMU, or null when it can (such a
 * step is not applied to the model either: real/run.ts predict). Always not observable here: CMOs (QEMU TCG executes DC CIVAC/IVAC/CVAC as no-ops, so no stage-2 fault
 * reaches KVM), memory types and FWB/DIC effects (TCG has no caches), stage-2 layout (no
 * stage-2 ptdump in these kernels; real/run.ts compares the number of stage-2 faults of each
 * access with the impl's instead), and interleavings (not executable at all: real/encode.ts).
 */
export function notObservable(step: Step): string | null {
  if (step.op === 'access' && CMO_KINDS.has(step.kind)) return `${step.kind}: cache maintenance is a no-op under QEMU TCG`;
  return null;
}

/** Expect keys that need the stage-2 tables, memory types or the caches (`data`: TCG has no caches): never observable here. */
export const UNOBSERVABLE_EXPECT_KEYS = ['mapped', 'writable', 'exec', 'memtype', 'effective', 'size', 'data'] as const;

function errnoOutcome(step: Step, e: string): Outcome | null {
  if (step.op === 'access') {
    if (e === 'ENOSYS') return { kind: 'enosys' };
    if (e === 'EFAULT') return { kind: 'efault' };
  }
  return (ERRNOS as readonly string[]).includes(e) ? { kind: 'errno', errno: e as Errno } : null;
}

/** The runner's line for `step` in the model's vocabulary. */
export function observed(step: Step, r: RealStep): Observed {
  switch (r.k) {
    case 'ok': return r.d ? { outcome: { kind: 'ok' }, dirty: r.d } : { outcome: { kind: 'ok' } };
    case 'mmio': return { outcome: { kind: 'mmio', ipa: Number(r.a), len: r.l ?? 0, write: r.w === 1 } };
    case 'nisv': return { outcome: { kind: 'nisv', ipa: Number(r.a) } };
    case 'timeout': return { outcome: { kind: 'livelock' } };
    case 'errno': {
      const o = errnoOutcome(step, r.e ?? '');
      return o ? { outcome: o } : { other: `errno ${r.e}` };
    }
    case 'exc': {
      const esr = Number(r.esr);
      const ec = Math.floor(esr / 2 ** 26) & 0x3f;
      // KVM injects its aborts as synchronous external aborts (inject_abt64: FSC 0x10); any other fault
      // status is the guest's own stage-1 fault (alignment, translation, ...), which the model does not cover.
      // exec branches into the trace's memory (zeros: UDF #0; a vmmWrite's descriptors): any trap but an
      // instruction abort means the fetch worked.
      if (step.op === 'access' && step.kind === 'exec' && ec !== EC_IABT_CUR && ec !== EC_IABT_LOW) return { outcome: { kind: 'ok' } };
      const abort = ec === EC_DABT_CUR || ec === EC_DABT_LOW || ec === EC_IABT_CUR || ec === EC_IABT_LOW;
      // s1ptw_read walks a table page the trace's memory holds: the walker read the descriptor (the
      // stage-2 part the model speaks of is done) and found it invalid (zeros: a stage-1 translation
      // fault) or, where a vmmWrite stored one, valid with AF clear and no hardware AF update (an
      // Access flag fault). s1ptw_write gets no such pass: its walker must write AF back and go on.
      if (ec === EC_DABT_CUR && isTranslationOrAfFault(esr) && step.op === 'access' && step.kind === 's1ptw_read') return { outcome: { kind: 'ok' } };
      if (abort && (esr & 0x3f) !== FSC_SYNC_EXTERNAL) return { other: `guest stage-1 fault ESR ${r.esr}` };
      if (ec === EC_DABT_CUR || ec === EC_DABT_LOW) return { outcome: { kind: 'injectDabt' } };
      if (ec === EC_IABT_CUR || ec === EC_IABT_LOW) return { outcome: { kind: 'injectPabt' } };
      return { other: `guest exception ESR ${r.esr}` };
    }
    case 'sigbus': return { outcome: { kind: 'sigbus' } };
    case 'exit': return { other: `KVM exit reason ${r.n}` };
    default: return { other: `runner said ${r.k}${r.e ? ` ${r.e}` : ''}` };
  }
}

/** A load's value against the host page's (real/guestMemory.ts), both known; undefined when there is nothing to compare. */
export function loadCheck(want: number | null | undefined, line: RealStep): { expected: string; real: string } | undefined {
  if (typeof want !== 'number' || line.v === undefined) return undefined;
  return { expected: `0x${want.toString(16)}`, real: `0x${BigInt(line.v).toString(16)}` };
}

/** Null when the guest read what the host's page holds, else the difference (a guest left on a stale frame, say). */
export function loadDifference(l: { expected: string; real: string }): string | null {
  return l.expected === l.real ? null : `data: the guest read ${l.real}, the host's page holds ${l.expected} there`;
}

/** Text of an outcome as reports print it. */
export function outcomeText(o: Outcome): string {
  switch (o.kind) {
    case 'mmio': return `mmio{ipa 0x${o.ipa.toString(16)}, len ${o.len}, ${o.write ? 'write' : 'read'}}`;
    case 'nisv': return `nisv{ipa 0x${o.ipa.toString(16)}}`;
    case 'errno': return `errno ${o.errno}`;
    default: return o.kind;
  }
}

/** The comparable part of an outcome: its kind and fields, without the memory type (not observable). */
function comparable(o: Outcome): string {
  return o.kind === 'ok' ? 'ok' : outcomeText(o);
}

/** Null when the real observation agrees with the model's outcome (and dirty list), else why not. */
export function difference(model: { outcome: Outcome; dirty?: readonly number[] }, real: Observed): string | null {
  if ('other' in real) return `model ${outcomeText(model.outcome)}, real kernel ${real.other}`;
  if (comparable(model.outcome) !== comparable(real.outcome)) return `model ${outcomeText(model.outcome)}, real kernel ${outcomeText(real.outcome)}`;
  if (model.dirty && real.dirty && JSON.stringify(model.dirty) !== JSON.stringify(real.dirty)) {
    return `dirty pages: model [${model.dirty.join(',')}], real kernel [${real.dirty.join(',')}]`;
  }
  return null;
}

/** The first mismatch between the step's `expect` and the real kernel on the keys it can observe, or null. */
export function expectDifference(expect: TraceExpect, real: Observed): string | null {
  if ('other' in real) return `expect.outcome: expected ${expect.outcome}, got ${real.other}`;
  const obs: Partial<TraceExpect> = { ...outcomeToExpect(real.outcome) };
  if (real.dirty) obs.dirty = [...real.dirty];
  for (const k of ['outcome', 'errno', 'mmio', 'dirty'] as const) {
    if (expect[k] === undefined) continue;
    const want = JSON.stringify(expect[k]);
    const got = JSON.stringify(obs[k]);
    if (want !== got) return `expect.${k}: expected ${want}, real kernel ${got ?? 'nothing'}`;
  }
  return null;
}

/**
 * The canonical one-line text of an outcome that an exported reproducer compares (the C side,
 * `canonical()` in real/runner/s2runner.c, writes the kernel's result the same way).
 */
export function canonicalText(o: Outcome, dirty?: readonly number[]): string {
  switch (o.kind) {
    case 'ok': return dirty ? `ok [${dirty.join(',')}]` : 'ok';
    case 'mmio': return `mmio 0x${o.ipa.toString(16)} ${o.len} ${o.write ? 'write' : 'read'}`;
    case 'nisv': return `nisv 0x${o.ipa.toString(16)}`;
    case 'errno': return `errno ${o.errno}`;
    default: return o.kind;
  }
}
