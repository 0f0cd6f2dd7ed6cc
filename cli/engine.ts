/** The fuzz engine as the commands see it: search batches, sampled statistics, replay views (over properties/runner). */
import type { ImplVariant } from '../impl/variants';
import * as fc from 'fast-check';
import { interpret } from '../impl/interpret';
import { ALL_INVARIANTS } from '../properties/invariants/index';
import type { Invariant } from '../properties/invariants/types';
import { COMPARISONS } from '../properties/runner/compare';
import { applyStep, newWorld, type World } from '../properties/runner/executors';
import { minimizeFields } from '../properties/runner/minimizeFields';
import { runSteps, runTrace } from '../properties/runner/runner';
import { genTraceArbitrary, toTrace, traceArbitrary, type GenTrace } from '../properties/steps/arbitraries';
import { signatureKey } from '../reports/dedup';
import { attributeFailure, type Attributed } from '../properties/runner/attribution';
import { isRegisteredFor } from '../impl/bugs';
import { CaseCounter } from '../properties/runner/cases';
import { DRAWN_KEYS, type DrawnKey } from '../properties/steps/config';
import type { GenOptions } from '../properties/steps/world';
import { decodeStep, type Trace, type TraceConfig } from '../properties/trace';
import { emptyGenCounts, type GenCounts } from '../reports/stats';
import type { IpaView } from '../reports/view';
import { applyStepWithState } from './stateLines';
import type { Maplet } from '../model/types';

/** One search batch: `numRuns` random traces of up to `maxSteps` steps from `seed`. */
export interface BatchSpec {
  config: TraceConfig;
  seed: number;
  numRuns: number;
  maxSteps: number;
  /** Generator options (hostStage2 for the pKVM behaviours). */
  gen?: Partial<GenOptions>;
  /** Config keys each trace draws; the others are `config`'s. @defaultValue none */
  draw?: readonly DrawnKey[];
  /** Test-only impl variant (impl/variants.ts). @defaultValue mainline */
  implVariant?: ImplVariant;
}

/** What a batch produced; `found` is shrunk and carries `found`. */
export interface BatchResult {
  found: Trace | null;
  runs: number;
  steps: number;
  /** Failures whose signature the lane had already found: counted, not shrunk again (signature key → hits). */
  repeats: Record<string, number>;
  /** Steps every check ran on in the search (not in shrinking): each invariant's check count. */
  checkedSteps: number;
  /** Per invariant, the searched steps that showed it a case it could reject (properties/runner/cases.ts). */
  cases: Record<string, number>;
}

/**
 * Signature keys a lane has found, each with whether its finding is named by its cause's
 * registered invariant: a later hit that is, of a key whose finding is not, is shrunk again.
 */
export type KnownKeys = ReadonlyMap<string, boolean>;

/** The dedup key of an attributed failure at a step doing `op`. */
const keyOf = (f: Attributed, op: string, bugs: readonly string[]): string => signatureKey(f.invariant, op, bugs, f.cause, f.known);

/**
 * Run one batch of `numRuns` generated traces from `seed` (deterministic without a cap). Failures
 * are attributed to the enabled bugs they need (attribution.ts). A failure whose signature is in
 * `known` (found by an earlier batch of the lane) counts as a repeat and the search goes on, unless
 * it is named by its bug's registered invariant and the known one is not; the first new one ends
 * the search and is shrunk while the *same* signature and invariant recur (a candidate failing
 * otherwise counts as passing), then cut after its failing step. The optional
 * wall-clock cap ends the search, or cuts shrinking short, as a budget (not a failure: the
 * fuzzer's time limit, unlike the test suite's).
 */
export function searchBatch(spec: BatchSpec, timeLimitMs?: number, known: KnownKeys = new Map()): BatchResult {
  let runs = 0, steps = 0, checkedSteps = 0;
  let first: { key: string; invariant: string } | null = null;
  // A known kernel finding is not shrunk: its minimal trace is in reports/corpus/kernel-*.json, and
  // shrinking one (a 1 GiB hugetlb livelock, say) can eat a whole short run's budget.
  let firstKnown = false;
  const cases = new CaseCounter();
  const repeats: Record<string, number> = {};
  const bugs = spec.config.bugs;
  const same = (f: Attributed, op: string): boolean => first !== null && keyOf(f, op, bugs) === first.key && f.invariant === first.invariant;
  const prop = fc.property(genTraceArbitrary({ config: spec.config, maxSteps: spec.maxSteps, draw: spec.draw, ...spec.gen }), (t) => {
    if (firstKnown) return true; // ends fast-check's shrinking at once
    const searching = first === null;
    const r = runSteps(t.config, t.steps, { implVariant: spec.implVariant, cases: searching ? cases : undefined });
    if (searching) { runs++; steps += t.steps.length; checkedSteps += r.stats.steps; }
    const f = attributeFailure(t.config, t.steps, r, spec.implVariant);
    if (!f) return true;
    const op = t.steps[f.step]?.op ?? 'end';
    if (first !== null) return !same(f, op); // shrinking: only the same finding counts as failing
    const key = keyOf(f, op, bugs);
    const named = isRegisteredFor(f.invariant, f.cause);
    if (known.has(key) && (known.get(key) === true || !named)) { repeats[key] = (repeats[key] ?? 0) + 1; return true; }
    first = { key, invariant: f.invariant };
    firstKnown = f.known !== undefined;
    return false;
  });
  const params: fc.Parameters<[GenTrace]> = { seed: spec.seed, numRuns: spec.numRuns, endOnFailure: false };
  if (timeLimitMs !== undefined) params.interruptAfterTimeLimit = Math.max(1, Math.floor(timeLimitMs));
  const det = fc.check(prop, params);
  const done = { runs, steps, repeats, checkedSteps, cases: cases.counts };
  if (!det.failed || !det.counterexample) return { found: null, ...done };
  const g = det.counterexample[0];
  const whole = toTrace(g);
  const f = attributeFailure(g.config, g.steps, runTrace(whole, { validate: false, implVariant: spec.implVariant }), spec.implVariant);
  if (!f) return { found: null, ...done };
  const trace = { ...whole, steps: whole.steps.slice(0, f.step + 1) }; // cut after the failing step, even when shrinking was cut short
  const found: Trace = { ...trace, found: { invariant: f.invariant, step: f.step, seed: det.seed, path: det.counterexamplePath ?? '', message: f.message.split('\n')[0], ...(f.cause.length ? { cause: f.cause } : {}), ...(f.known !== undefined ? { known: f.known } : {}) } };
  if (firstKnown) return { found, ...done };
  // Then the fields: optional ones dropped, sizes halved, while the same finding recurs.
  first = { key: keyOf(f, trace.steps[f.step].op, bugs), invariant: f.invariant };
  return { found: minimizeFields(found, same, { implVariant: spec.implVariant }), ...done };
}

/** Every check runTrace runs after every step, by name: the comparisons and the named invariants. */
export const CHECK_NAMES: readonly string[] = [...(COMPARISONS as readonly Invariant[]), ...(ALL_INVARIANTS as readonly Invariant[])].map((i) => i.name);

/**
 * Generator statistics over `count` traces drawn from `seed` and run side by side (a sample:
 * invariant check and case counts come from the search itself, over every step).
 */
export function sampleStats(spec: BatchSpec, count: number): { gen: GenCounts } {
  const gen = emptyGenCounts();
  if (count <= 0) return { gen };
  const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);
  for (const t of fc.sample(traceArbitrary({ config: spec.config, maxSteps: spec.maxSteps, draw: spec.draw, ...spec.gen }), { seed: spec.seed, numRuns: count })) {
    gen.traces++;
    for (const k of DRAWN_KEYS) bump(gen.configs, `${k}=${String(t.config[k] ?? false)}`);
    for (const s of t.steps) {
      gen.steps++;
      bump(gen.ops, s.op);
      if (s.op === 'access' || s.op === 'faultBegin') bump(gen.kinds, s.kind);
    }
    const r = runTrace(t, { validate: false, collectAll: true });
    for (const o of r.outcomes) bump(gen.outcomes, o.impl.outcome.kind);
  }
  return { gen };
}

/**
 * What the model (the specification) has installed over the IPA ranges the impl maps, as maplets:
 * drawn beside the impl's picture so a finding's "rw where the specification says r" is visible.
 * `impl` is viewOf(w), already computed by the caller.
 */
export function modelViewOf(w: World, impl: IpaView): IpaView {
  const page = w.config.granule;
  const maplets: Maplet[] = [];
  let budget = 1 << 16; // gfns looked at: a picture, not an audit
  for (const m of impl.maplets) {
    for (let gfn = m.ipa / page; gfn < (m.ipa + m.size) / page && budget-- > 0;) {
      const leaf = w.model.kvm.mapping(gfn);
      if (!leaf) { gfn++; continue; }
      const pa = (leaf.pfn - (gfn - leaf.baseGfn)) * page;
      const prev = maplets[maplets.length - 1];
      if (!prev || prev.ipa !== leaf.baseGfn * page) {
        maplets.push({ ipa: leaf.baseGfn * page, size: leaf.npages * page, pa, perms: { ...leaf.perms }, memtype: leaf.memtype, leafSize: leaf.leafSize, af: leaf.af });
      }
      gfn = leaf.baseGfn + leaf.npages;
    }
  }
  return { slots: impl.slots, maplets };
}

/** The IPA space of a world: the model's memslots and the impl's decoded stage 2. */
export function viewOf(w: World): IpaView {
  const slots = [...w.model.kvm.memslots.values()].sort((a, b) => a.gpa - b.gpa).map((s) => ({
    id: s.id, gpa: s.gpa, size: s.size, flags: [...(s.flags.readonly ? ['READONLY'] : []), ...(s.flags.logDirty ? ['LOG_DIRTY'] : [])],
  }));
  return { slots, maplets: interpret(w.impl.kvm.pgt) };
}

/**
 * IPA views before and after step `k` of `trace` (steps applied without checks), with the state
 * lines after step k-1 (what step k starts from: faults in flight, their sampled seq) and after k.
 */
export function viewsAround(trace: Trace, k: number): { before: IpaView; after: IpaView; model: IpaView; stateBefore: string[]; state: string[] } {
  const w = newWorld(trace.config);
  for (let i = 0; i < k - 1; i++) applyStep(w, decodeStep(trace.steps[i]));
  const stateBefore = k > 0 ? applyStepWithState(w, decodeStep(trace.steps[k - 1])) : [];
  const before = viewOf(w);
  const step = k < trace.steps.length ? decodeStep(trace.steps[k]) : null;
  const state = step ? applyStepWithState(w, step) : [];
  const after = viewOf(w);
  return { before, after, model: modelViewOf(w, after), stateBefore, state };
}
