/** runTrace: every step on model and impl side by side, the comparisons and all invariants after each step, and each `expect`. */
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import { ALL_INVARIANTS } from '../invariants/index';
import type { Invariant, Snapshot, Violation } from '../invariants/types';
import { decodeStep, type Step } from '../trace/codec';
import { parseTrace } from '../trace/parse';
import type { Trace } from '../trace/schema';
import { COMPARISONS } from './compare';
import { applyOne, HarnessError, newWorld, type SideResult, type StepResult, type World } from './executors';
import { checkExpect, stepIpa } from './expectCheck';
import { dirtyRanges, effectRanges, PRE_TOUCH, touchedRanges, type Range, type RunnerMemory } from './touched';
import { labelStep } from './labels';
import { implLeafAt } from './implLeaves';
import { checkTraceRules } from './rules';

/** How runTrace runs. */
export interface RunOptions {
  /** Keep going after the first violation, collecting all. @defaultValue false */
  collectAll?: boolean;
  /** The checks after every step. @defaultValue [...COMPARISONS, ...ALL_INVARIANTS] */
  invariants?: readonly Invariant[];
  /** Schema-validate the trace before running it. @defaultValue true */
  validate?: boolean;
  /** Monotonic clock in ns for time shares (bench only; logic never reads a clock). */
  clock?: () => number;
}

/** An `expect` that did not hold (distinct from an invariant violation). */
export interface ExpectFailure {
  step: number;
  message: string;
}

/** Counters of one run; `time` only with a clock. */
export interface RunStats {
  steps: number;
  /** IPA pages in the touched ranges, summed over steps (the incremental checks' workload). */
  touchedPages: number;
  /** Outcome-based coverage labels (e.g. 'block installed', 'outcome nisv'), for generator stats. */
  labels: Set<string>;
  time?: { model: number; impl: number; invariants: number };
}

/** What a run produced. `error` is a harness error or a trace-rule breach (the run stops there). */
export interface RunResult {
  outcomes: StepResult[];
  violations: Violation[];
  expectFailures: ExpectFailure[];
  error?: { step: number; message: string };
  stats: RunStats;
}

const DEFAULT_INVARIANTS: readonly Invariant[] = [...(COMPARISONS as readonly Invariant[]), ...(ALL_INVARIANTS as readonly Invariant[])];

function runSide(side: World['model'] | World['impl'], step: Step, i: number, who: string): SideResult | null {
  try {
    return applyOne(side, step);
  } catch (e) {
    throw new HarnessError(`steps[${i}] ${step.op} on the ${who}: ${(e as Error).message}`);
  }
}

function snapshotOf(w: World, i: number, step: Step, r: StepResult, touched: Range[], quiescent: boolean): Snapshot<KvmModel, KvmImpl> {
  const model = r.model ?? r.impl;
  return {
    config: w.config, stepIndex: i, step, model: w.model.kvm, impl: w.impl.kvm,
    modelOutcome: model.outcome, implOutcome: r.impl.outcome, events: w.impl.kvm.effects.events, touched,
    dirty: { model: r.model?.dirty, impl: r.impl.dirty }, modelSkipped: r.model === null,
    hosts: { model: w.model.host, impl: w.impl.host },
    quiescent,
  };
}

/** One step: run both sides, compute touched ranges, return the snapshot. */
function stepOnce(w: World, mem: RunnerMemory, step: Step, i: number, st: RunStats, clock?: () => number): Snapshot<KvmModel, KvmImpl> {
  checkTraceRules(w, step, i);
  const pre = (PRE_TOUCH[step.op] as (w: World, s: Step, m: RunnerMemory) => Range[])(w, step, mem);
  const pageIpa = step.op === 'access' || step.op === 'faultBegin' ? step.ipa : undefined;
  const leafBefore = pageIpa === undefined ? undefined
    : { model: w.model.kvm.mapping(Math.floor(pageIpa / w.config.granule)) !== undefined, impl: implLeafAt(w.impl.kvm.pgt, pageIpa) !== null };
  w.impl.kvm.effects.clear();
  const t0 = clock?.() ?? 0;
  const model = runSide(w.model, step, i, 'model');
  const t1 = clock?.() ?? 0;
  const impl = runSide(w.impl, step, i, 'impl');
  const t2 = clock?.() ?? 0;
  if (impl === null) throw new HarnessError(`steps[${i}] ${step.op}: the implementation does not support it`);
  if (st.time) { st.time.model += t1 - t0; st.time.impl += t2 - t1; }
  if (step.op === 'faultBegin') mem.faultIpa.set(step.vcpu, step.ipa);
  const slot = step.op === 'getDirtyLog' || step.op === 'clearDirtyLog' ? step.slot : -1;
  const g = w.config.granule;
  const ipa = stepIpa(step, mem);
  const keep = [...(ipa === undefined ? [] : [[ipa - (ipa % g), ipa - (ipa % g) + g] as const]), ...dirtyRanges(w, slot, model?.dirty), ...dirtyRanges(w, slot, impl.dirty)];
  const touched = touchedRanges(w, [...pre, ...effectRanges(w, w.impl.kvm.effects.events)], keep);
  for (const [a, b] of touched) st.touchedPages += (b - a) / g;
  const quiescent = w.model.host.openInvalidations().length === 0 && [...mem.faultIpa.keys()].every((v) => !w.model.kvm.faultInFlight(v));
  return { ...snapshotOf(w, i, step, { model, impl }, touched, quiescent), ...(leafBefore ? { leafBefore } : {}) };
}

/** Run the checks on one snapshot; returns the violations (at most one unless collectAll). */
function checkAll(s: Snapshot<KvmModel, KvmImpl>, invariants: readonly Invariant[], collectAll: boolean): Violation[] {
  const out: Violation[] = [];
  for (const inv of invariants) {
    const v = inv.check(s as Snapshot);
    if (v) { out.push(v); if (!collectAll) break; }
  }
  return out;
}

/**
 * Run `trace` side by side. Stops at the first violation unless `collectAll`; a thrown executor
 * error or a trace-rule breach ends the run with `error`. Source: DESIGN §1, §5; issue 5.
 */
export function runTrace(trace: Trace, opts: RunOptions = {}): RunResult {
  const t = opts.validate === false ? trace : parseTrace(trace);
  const w = newWorld(t.config);
  const mem: RunnerMemory = { faultIpa: new Map() };
  const invariants = opts.invariants ?? DEFAULT_INVARIANTS;
  const stats: RunStats = { steps: 0, touchedPages: 0, labels: new Set(), ...(opts.clock ? { time: { model: 0, impl: 0, invariants: 0 } } : {}) };
  const res: RunResult = { outcomes: [], violations: [], expectFailures: [], stats };
  for (let i = 0; i < t.steps.length; i++) {
    const ts = t.steps[i];
    const step = decodeStep(ts);
    let snap: Snapshot<KvmModel, KvmImpl>;
    try {
      snap = stepOnce(w, mem, step, i, stats, opts.clock);
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      res.error = { step: i, message: e.message };
      return res;
    }
    stats.steps++;
    const r: StepResult = { model: snap.modelSkipped ? null : { outcome: snap.modelOutcome, dirty: snap.dirty?.model }, impl: { outcome: snap.implOutcome, dirty: snap.dirty?.impl } };
    res.outcomes.push(r);
    labelStep(snap, stats.labels);
    const t0 = opts.clock?.() ?? 0;
    const vs = checkAll(snap, invariants, opts.collectAll ?? false);
    if (stats.time && opts.clock) stats.time.invariants += opts.clock() - t0;
    const fail = ts.expect ? checkExpect(w, step, mem, ts.expect, r.impl) : null;
    if (fail) res.expectFailures.push({ step: i, message: fail });
    if (step.op === 'faultCommit') mem.faultIpa.delete(step.vcpu);
    res.violations.push(...vs);
    if (vs.length > 0 && !opts.collectAll) return res;
  }
  return res;
}

/** The first violation of a run, if any. */
export const firstViolation = (r: RunResult): Violation | undefined => r.violations[0];
