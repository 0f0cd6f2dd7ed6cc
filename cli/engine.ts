/** The fuzz engine as the commands see it: search batches, sampled statistics, replay views (over properties/runner). */
import * as fc from 'fast-check';
import { interpret } from '../impl/interpret';
import { ALL_INVARIANTS } from '../properties/invariants/index';
import type { Invariant } from '../properties/invariants/types';
import { COMPARISONS } from '../properties/runner/compare';
import { applyStep, newWorld, type World } from '../properties/runner/executors';
import { failureOf, findViolation, traceProperty } from '../properties/runner/property';
import { runTrace } from '../properties/runner/runner';
import { toTrace, traceArbitrary } from '../properties/steps/arbitraries';
import type { GenOptions } from '../properties/steps/world';
import { decodeStep, type Trace, type TraceConfig } from '../properties/trace';
import { emptyGenCounts, type GenCounts } from '../reports/stats';
import type { IpaView } from '../reports/view';

/** One search batch: `numRuns` random traces of up to `maxSteps` steps from `seed`. */
export interface BatchSpec {
  config: TraceConfig;
  seed: number;
  numRuns: number;
  maxSteps: number;
  /** Generator options (hostStage2 for the pKVM behaviours). */
  gen?: Partial<GenOptions>;
}

/** What a batch produced; `found` is shrunk and carries `found`. */
export interface BatchResult {
  found: Trace | null;
  runs: number;
  steps: number;
}

/**
 * Run one batch: findViolation's search and shrink (properties/runner/property.ts), plus an
 * optional wall-clock cap that ends the search, or cuts shrinking short, as a *budget* (not a
 * failure: the fuzzer's time limit, unlike the test suite's). Without a cap it is deterministic.
 */
export function searchBatch(spec: BatchSpec, timeLimitMs?: number): BatchResult {
  if (timeLimitMs === undefined) {
    const r = findViolation({ config: spec.config, seed: spec.seed, numRuns: spec.numRuns, maxSteps: spec.maxSteps, gen: spec.gen });
    return { found: r.found, runs: r.runs, steps: r.steps };
  }
  let runs = 0, steps = 0, failed = false;
  const prop = traceProperty({ config: spec.config, maxSteps: spec.maxSteps, gen: spec.gen }, (t, r) => {
    if (failed) return;
    runs++;
    steps += t.steps.length;
    if (failureOf(r)) failed = true;
  });
  const det = fc.check(prop, { seed: spec.seed, numRuns: spec.numRuns, endOnFailure: false, interruptAfterTimeLimit: Math.max(1, Math.floor(timeLimitMs)) });
  if (!det.failed || !det.counterexample) return { found: null, runs, steps };
  const trace = toTrace(det.counterexample[0]);
  const f = failureOf(runTrace(trace, { validate: false }));
  if (!f) return { found: null, runs, steps };
  return { found: { ...trace, found: { invariant: f.invariant, step: f.step, seed: det.seed, path: det.counterexamplePath ?? '', message: f.message.split('\n')[0] } }, runs, steps };
}

/** The checks runTrace runs by default, each wrapped to count its calls into `counts`. */
function countingInvariants(counts: Record<string, number>): Invariant[] {
  return [...(COMPARISONS as readonly Invariant[]), ...(ALL_INVARIANTS as readonly Invariant[])].map((inv) => ({
    ...inv,
    check: (s) => {
      counts[inv.name] = (counts[inv.name] ?? 0) + 1;
      return inv.check(s);
    },
  }));
}

/**
 * Generator statistics and invariant check counts over `count` traces drawn from `seed` and run
 * side by side (a sample: the search itself reports only runs and steps).
 */
export function sampleStats(spec: BatchSpec, count: number): { gen: GenCounts; checks: Record<string, number> } {
  const gen = emptyGenCounts();
  const checks: Record<string, number> = {};
  if (count <= 0) return { gen, checks };
  const invariants = countingInvariants(checks);
  const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1);
  for (const t of fc.sample(traceArbitrary({ config: spec.config, maxSteps: spec.maxSteps, ...spec.gen }), { seed: spec.seed, numRuns: count })) {
    gen.traces++;
    for (const s of t.steps) {
      gen.steps++;
      bump(gen.ops, s.op);
      if (s.op === 'access' || s.op === 'faultBegin') bump(gen.kinds, s.kind);
    }
    const r = runTrace(t, { invariants, validate: false, collectAll: true });
    for (const o of r.outcomes) bump(gen.outcomes, o.impl.outcome.kind);
  }
  return { gen, checks };
}

/** The IPA space of a world: the model's memslots and the impl's decoded stage 2. */
export function viewOf(w: World): IpaView {
  const slots = [...w.model.kvm.memslots.values()].sort((a, b) => a.gpa - b.gpa).map((s) => ({
    id: s.id, gpa: s.gpa, size: s.size, flags: [...(s.flags.readonly ? ['READONLY'] : []), ...(s.flags.logDirty ? ['LOG_DIRTY'] : [])],
  }));
  return { slots, maplets: interpret(w.impl.kvm.pgt) };
}

/** IPA views before and after step `k` of `trace` (steps applied without checks). */
export function viewsAround(trace: Trace, k: number): { before: IpaView; after: IpaView } {
  const w = newWorld(trace.config);
  for (let i = 0; i < k; i++) applyStep(w, decodeStep(trace.steps[i]));
  const before = viewOf(w);
  if (k < trace.steps.length) applyStep(w, decodeStep(trace.steps[k]));
  return { before, after: viewOf(w) };
}
