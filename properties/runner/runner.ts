/** runTrace: every step on model and impl side by side, the comparisons and all invariants after each step, and each `expect`. */
import { knownKernelFinding } from '../../reports/kernelFindings';
import type { ImplVariant } from '../../impl/variants';
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import { ALL_INVARIANTS } from '../invariants/index';
import type { Invariant, Snapshot, Violation } from '../invariants/types';
import { decodeStep, type Step } from '../trace/codec';
import { parseTrace } from '../trace/parse';
import type { Trace, TraceExpect } from '../trace/schema';
import type { Config } from '../../model/types';
import { COMPARISONS } from './compare';
import { applyOne, HarnessError, newWorld, type SideResult, type StepResult, type World } from './executors';
import { checkExpect, stepIpa } from './expectCheck';
import { dirtyRanges, effectRanges, newTouchScratch, preTouch, touchedRanges, type RunnerMemory, type TouchScratch } from './touched';
import { labelStep } from './labels';
import { TablePool } from '../../impl/pool';
import { checkTraceRules } from './rules';
import type { CaseCounter } from './cases';

/** How runTrace runs. */
export interface RunOptions {
  /** Keep going after the first failing step, collecting all. Without it the run stops after that step, with every violation of it. @defaultValue false */
  collectAll?: boolean;
  /** The checks after every step. @defaultValue [...COMPARISONS, ...ALL_INVARIANTS] */
  invariants?: readonly Invariant[];
  /** Schema-validate the trace before running it. @defaultValue true */
  validate?: boolean;
  /** A test-only impl variant (impl/variants.ts). @defaultValue mainline */
  implVariant?: ImplVariant;
  /** The vCPUs share one host CPU, so switching between them flushes the TLB (KvmImpl.oneHostCpu; real/ runs so). @defaultValue false */
  oneHostCpu?: boolean;
  /** Counts the steps that showed each invariant a case it could reject (report coverage). @defaultValue none */
  cases?: CaseCounter;
  /** Called with the world after the run (before its table storage is reused): exploration fingerprints it. */
  inspect?: (w: World) => void;
  /** Called with the world after each step ran, before its checks (real/run.ts reads the impl's counters). */
  afterStep?: (i: number, w: World) => void;
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

/**
 * Named invariants first, the generic comparisons (OUTCOME_EQUAL, MAPPING_PERMITTED) last: the
 * first violation of a step is its most specific name, which deduplication keys on.
 */
const DEFAULT_INVARIANTS: readonly Invariant[] = [...(ALL_INVARIANTS as readonly Invariant[]), ...(COMPARISONS as readonly Invariant[])];

function runSide(side: World['model'] | World['impl'], step: Step, i: number, who: string): SideResult | null {
  try {
    return applyOne(side, step);
  } catch (e) {
    throw new HarnessError(`steps[${i}] ${step.op} on the ${who}: ${(e as Error).message}`);
  }
}

/** What one run keeps across its steps: the world, the runner's memory, range scratch, the snapshot's constant parts. */
interface RunState {
  readonly w: World;
  readonly mem: RunnerMemory;
  readonly sc: TouchScratch;
  readonly hosts: NonNullable<Snapshot['hosts']>;
  readonly st: RunStats;
  readonly clock?: () => number;
  /** The impl's leaf size at a gfn (undefined: none), the model's leaf choices (KvmModel.followLeafChoices). */
  readonly implLeafSize: (gfn: number) => number | undefined;
}

/** The snapshot's `dirty` when neither side reports a list (most steps): one shared object. */
const NO_DIRTY: NonNullable<Snapshot['dirty']> = Object.freeze({ model: undefined, impl: undefined });

/** One step: run both sides, compute touched ranges, return the snapshot (one object literal: a fixed shape for every invariant). */
function stepOnce(rs: RunState, step: Step, i: number): Snapshot<KvmModel, KvmImpl> {
  const { w, mem, sc, st, clock } = rs;
  checkTraceRules(w, step, i);
  sc.candidates.clear();
  preTouch(w, step, mem, sc.candidates);
  w.impl.kvm.effects.clear();
  w.impl.kvm.kernelPaths.clear();
  const t0 = clock?.() ?? 0;
  const impl = runSide(w.impl, step, i, 'impl');
  const t1 = clock?.() ?? 0;
  if (impl === null) throw new HarnessError(`steps[${i}] ${step.op}: the implementation does not support it`);
  // The impl runs first: where the spec lets KVM pick a leaf size, the model maps what the impl picked.
  w.model.kvm.followLeafChoices(rs.implLeafSize);
  let model: SideResult | null;
  try {
    model = runSide(w.model, step, i, 'model');
  } finally {
    w.model.kvm.followLeafChoices(undefined);
  }
  const t2 = clock?.() ?? 0;
  if (st.time) { st.time.impl += t1 - t0; st.time.model += t2 - t1; }
  if (step.op === 'faultBegin') mem.faultIpa.set(step.vcpu, step.ipa);
  const slot = step.op === 'getDirtyLog' || step.op === 'clearDirtyLog' ? step.slot : -1;
  const g = w.config.granule;
  const ipa = stepIpa(step, mem);
  sc.keep.clear();
  if (ipa !== undefined) sc.keep.push(ipa - (ipa % g), ipa - (ipa % g) + g);
  if (slot >= 0) { dirtyRanges(w, slot, model?.dirty, sc.keep); dirtyRanges(w, slot, impl.dirty, sc.keep); }
  const events = w.impl.kvm.effects.events;
  effectRanges(w, events, sc.candidates);
  const touched = touchedRanges(w, sc);
  for (const [a, b] of touched) st.touchedPages += (b - a) / g;
  const modelSide = model ?? impl;
  return {
    config: w.config, stepIndex: i, step, model: w.model.kvm, impl: w.impl.kvm,
    modelOutcome: modelSide.outcome, implOutcome: impl.outcome, events, touched,
    dirty: model?.dirty === undefined && impl.dirty === undefined ? NO_DIRTY : { model: model?.dirty, impl: impl.dirty }, modelSkipped: model === null,
    hosts: rs.hosts,
  };
}

/** Run every check on one snapshot, appending its violations to `into` in checking order; returns how many. */
function checkAll(s: Snapshot<KvmModel, KvmImpl>, invariants: readonly Invariant[], into: Violation[], cases?: CaseCounter): number {
  let n = 0;
  cases?.nextStep();
  for (const inv of invariants) {
    const v = inv.check(s as Snapshot, cases);
    if (!v) continue;
    const k = knownKernelFinding(v.invariant, s.impl.kernelPaths); // the impl took the registered finding's path this step
    into.push(k ? { ...v, known: k.id } : v);
    n++;
  }
  return n;
}

/**
 * Run `trace` side by side. Stops at the first violation unless `collectAll`; a thrown executor
 * error or a trace-rule breach ends the run with `error`. Source: DESIGN §1, §5; issue 5.
 */
export function runTrace(trace: Trace, opts: RunOptions = {}): RunResult {
  const t = opts.validate === false ? trace : parseTrace(trace);
  return runSteps(t.config, t.steps.map(decodeStep), opts, t.steps.map((s) => s.expect));
}

/**
 * Run decoded `steps` under `config` side by side (what runTrace does after decoding; the property
 * search calls it directly, so generated steps never go through hex text). `expects[i]` is step
 * i's `expect`, if any.
 */
export function runSteps(config: Config, steps: readonly Step[], opts: RunOptions = {}, expects: readonly (TraceExpect | undefined)[] = []): RunResult {
  const pool = borrowPool(config.granule);
  try {
    const w = newWorld(config, pool, opts.implVariant);
    if (opts.oneHostCpu === true) w.impl.kvm.oneHostCpu = true;
    const r = runWorld(w, steps, expects, opts);
    opts.inspect?.(w);
    return r;
  } finally {
    idlePools.push(pool);
  }
}

/** Table storage of finished runs, reused by the next (TablePool.reset is O(1)); a run holds its pool until it returns. */
const idlePools: TablePool[] = [];

function borrowPool(granule: number): TablePool {
  const i = idlePools.findIndex((p) => p.pageSize === granule);
  return i >= 0 ? idlePools.splice(i, 1)[0] : new TablePool(granule);
}

function runWorld(w: World, steps: readonly Step[], expects: readonly (TraceExpect | undefined)[], opts: RunOptions): RunResult {
  const mem: RunnerMemory = { faultIpa: new Map() };
  const invariants = opts.invariants ?? DEFAULT_INVARIANTS;
  const collectAll = opts.collectAll ?? false;
  const stats: RunStats = { steps: 0, touchedPages: 0, labels: new Set(), ...(opts.clock ? { time: { model: 0, impl: 0, invariants: 0 } } : {}) };
  const rs: RunState = { w, mem, sc: newTouchScratch(), hosts: { model: w.model.host, impl: w.impl.host }, st: stats, clock: opts.clock,
    implLeafSize: (gfn) => w.impl.kvm.leafSizeAt(gfn) || undefined };
  const res: RunResult = { outcomes: [], violations: [], expectFailures: [], stats };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const expect = expects[i];
    let snap: Snapshot<KvmModel, KvmImpl>;
    try {
      snap = stepOnce(rs, step, i);
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      res.error = { step: i, message: e.message };
      return res;
    }
    stats.steps++;
    opts.afterStep?.(i, w);
    const r: StepResult = { model: snap.modelSkipped ? null : { outcome: snap.modelOutcome, dirty: snap.dirty?.model }, impl: { outcome: snap.implOutcome, dirty: snap.dirty?.impl } };
    res.outcomes.push(r);
    labelStep(snap, stats.labels);
    const t0 = opts.clock?.() ?? 0;
    const found = checkAll(snap, invariants, res.violations, opts.cases); // every check of the failing step: all that fire are listed
    if (stats.time && opts.clock) stats.time.invariants += opts.clock() - t0;
    const fail = expect ? checkExpect(w, step, mem, expect, r.impl) : null;
    if (fail) res.expectFailures.push({ step: i, message: fail });
    if (step.op === 'faultCommit') mem.faultIpa.delete(step.vcpu);
    if (found > 0 && !collectAll) return res;
  }
  return res;
}

/** The first violation of a run, if any. */
export const firstViolation = (r: RunResult): Violation | undefined => r.violations[0];
