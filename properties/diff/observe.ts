/**
 * Policy diff, the comparison: one trace run under two configurations, step by step, and the first
 * step whose guest-visible result differs. A side's result is what its impl (the kernel as it is)
 * did: the outcome (exit, errno, MMIO, effective memory type), the dirty list, and the state of
 * the step's page (mapped, writable, exec, memtype, leaf size) — the `expect` keys (DESIGN §4).
 */
import type { Config } from '../../model/types';
import type { Step } from '../trace/codec';
import type { TraceExpect } from '../trace/schema';
import { applyOne, HarnessError, newWorld, type World } from '../runner/executors';
import { observe } from '../runner/expectCheck';
import type { RunnerMemory } from '../runner/touched';

/** What one side showed for one step (the expect keys it defines). */
export type Observation = Partial<TraceExpect>;

/** Keys compared, in the order a difference is named by. */
export const DIFF_KEYS = ['outcome', 'errno', 'mmio', 'effective', 'data', 'dirty', 'mapped', 'writable', 'exec', 'memtype', 'size'] as const;
export type DiffKey = (typeof DIFF_KEYS)[number];

/** The slot facts a step's class names (DESIGN §3 memslot flags), tracked from the steps that succeeded. */
interface SlotFacts { gpa: number; size: number; readonly: boolean; logging: boolean }

/** One side of a comparison: its world, runner memory, the slots as its impl accepted them. */
export interface SideRun {
  readonly config: Config;
  readonly w: World;
  readonly mem: RunnerMemory;
  readonly slots: Map<number, SlotFacts>;
}

export const newSide = (config: Config): SideRun => ({ config, w: newWorld(config), mem: { faultIpa: new Map() }, slots: new Map() });

/** The page a step is about (its ipa, or the ipa of the vCPU's fault in flight for faultCommit). */
function ipaOf(side: SideRun, step: Step): number | undefined {
  if ('ipa' in step) return step.ipa;
  if (step.op === 'faultCommit') return side.mem.faultIpa.get(step.vcpu);
  return undefined;
}

/**
 * Where a step lands, as kvm_handle_guest_abort's rows read it (rows 2–6: beyond the IPA space,
 * outside every slot, a write to a READONLY slot, the rest to user_mem_abort): beyond IPA space,
 * no slot, READONLY slot, slot. Logging and the backing are left to the minimal trace.
 */
export function contextOf(side: SideRun, step: Step): string {
  const ipa = ipaOf(side, step);
  if (ipa === undefined) return '';
  if (ipa >= 2 ** side.config.iaBits) return 'beyond IPA space';
  for (const s of side.slots.values()) if (ipa >= s.gpa && ipa < s.gpa + s.size) return s.readonly ? 'READONLY slot' : 'slot';
  return 'no slot';
}

/** Run `step` on the side's impl: its observation. Throws HarnessError when the impl cannot run it. */
export function stepSide(side: SideRun, step: Step): Observation {
  if (step.op === 'faultBegin') side.mem.faultIpa.set(step.vcpu, step.ipa);
  const r = applyOne(side.w.impl, step);
  if (r === null) throw new HarnessError(`${step.op}: the implementation does not support it`);
  const obs = observe(side.w, step, side.mem, r);
  if (step.op === 'faultCommit') side.mem.faultIpa.delete(step.vcpu);
  if (step.op === 'setMemslot' && r.outcome.kind === 'ok') {
    if (step.size === 0) side.slots.delete(step.slot);
    else side.slots.set(step.slot, { gpa: step.gpa, size: step.size, readonly: step.flags.includes('READONLY'), logging: step.flags.includes('LOG_DIRTY') });
  }
  return obs;
}

/** A split fault that installs and one that gives up both return to the guest (compare.ts visibleText): one class. */
const splitOp = (step: Step): boolean => step.op === 'faultBegin' || step.op === 'faultCommit';

/** The text of key `k` of an observation, as a class shows it (an MMIO exit without its address). */
export function keyText(step: Step, k: DiffKey, o: Observation): string {
  const v = o[k];
  if (v === undefined) return '-';
  if (k === 'outcome' && splitOp(step) && (v === 'ok' || v === 'retry') && o.effective === undefined) return 'ok|retry';
  if (k === 'mmio' && typeof v === 'object' && v !== null && 'write' in v) return `${v.write ? 'write' : 'read'} len ${v.len}`;
  if (k === 'dirty' && Array.isArray(v)) return `[${v.join(',')}]`;
  return String(v);
}

/** The first key both sides define whose values differ (outcomes compared as the guest sees them), or null. */
export function differingKey(step: Step, a: Observation, b: Observation): DiffKey | null {
  for (const k of DIFF_KEYS) {
    if (a[k] === undefined || b[k] === undefined) continue;
    if (k === 'outcome' ? keyText(step, k, a) !== keyText(step, k, b) : JSON.stringify(a[k]) !== JSON.stringify(b[k])) return k;
  }
  // an outcome defined on one side only (errno, mmio) follows from a differing outcome, checked above
  return null;
}

/** `op kind` of a step (`access dc_ivac`, `getDirtyLog`). */
export const opText = (step: Step): string => ('kind' in step && step.op !== 'mmap' ? `${step.op} ${step.kind}` : step.op);

/**
 * Outcomes one rule gives, whichever config key picks among them: io_mem_abort without a syndrome
 * exits with ENOSYS or, with NISV_TO_USER, KVM_EXIT_ARM_NISV (facts §15.7). A class names the
 * rule unless the difference is between its members.
 */
const RULE_GROUPS: readonly (readonly string[])[] = [['enosys', 'nisv']];

const groupOf = (v: string): readonly string[] | undefined => RULE_GROUPS.find((g) => g.includes(v));

/** An outcome as a class names it: its rule's group when the other side is outside that group. */
function outcomeClass(step: Step, o: Observation, other: Observation | null): string {
  const v = keyText(step, 'outcome', o);
  const g = groupOf(v);
  const errno = o.errno ? ` ${o.errno}` : '';
  if (!g || (other && g.includes(keyText(step, 'outcome', other)))) return v + errno;
  return g.join('|');
}

/** The class of an agreeing step: op, context, what both saw. */
export const agreeClass = (step: Step, ctx: string, a: Observation): string =>
  `${opText(step)}${ctx ? ` [${ctx}]` : ''}: ${outcomeClass(step, a, null)}`;

/** The class of a difference: op, context, the key and its value under A → under B. */
export function diffClass(step: Step, ctx: string, k: DiffKey, a: Observation, b: Observation): string {
  const [va, vb] = k === 'outcome' ? [outcomeClass(step, a, b), outcomeClass(step, b, a)] : [keyText(step, k, a), keyText(step, k, b)];
  return `${opText(step)}${ctx ? ` [${ctx}]` : ''}: ${k} ${va} → ${vb}`;
}

/** The first difference of a run under two configs. */
export interface Difference {
  step: number;
  key: DiffKey;
  cls: string;
  a: Observation;
  b: Observation;
}

/** What comparing one trace under A and B found. */
export interface Compared {
  /** The first difference, or null when every step agreed. */
  diff: Difference | null;
  /** Classes of the steps that agreed (before the difference), with counts. */
  agreed: Map<string, number>;
  /** A side could not run a step (a harness error: e.g. B's config makes a generated step invalid). */
  error?: string;
}

/** Run `steps` under `a` and `b` side by side, stopping at the first difference. */
export function compareRun(a: Config, b: Config, steps: readonly Step[]): Compared {
  const sa = newSide(a), sb = newSide(b);
  const agreed = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const ctx = contextOf(sa, step);
    let oa: Observation, ob: Observation;
    try {
      oa = stepSide(sa, step);
      ob = stepSide(sb, step);
    } catch (e) {
      return { diff: null, agreed, error: `steps[${i}] ${step.op}: ${(e as Error).message}` };
    }
    const k = differingKey(step, oa, ob);
    if (k) return { diff: { step: i, key: k, cls: diffClass(step, ctx, k, oa, ob), a: oa, b: ob }, agreed };
    const c = agreeClass(step, ctx, oa);
    agreed.set(c, (agreed.get(c) ?? 0) + 1);
  }
  return { diff: null, agreed };
}
