/** The fast-check property "runTrace finds no violation", and findViolation: search + shrink → a `found` trace (reused by the fuzz CLI). */
import * as fc from 'fast-check';
import type { Config } from '../../model/types';
import { genTraceArbitrary, toTrace, type GenTrace, type SequenceOptions } from '../steps/arbitraries';
import type { GenOptions } from '../steps/world';
import type { DrawnKey } from '../steps/config';
import type { Trace } from '../trace/schema';
import { runSteps, runTrace, type RunResult } from './runner';

/** Pseudo-invariant name of a harness error (an executor threw, or a trace rule broke). */
export const HARNESS_ERROR = 'HARNESS_ERROR';

/** What to search. */
export interface SearchSpec {
  config: Partial<Config>;
  seed: number;
  numRuns: number;
  /** Cap of generated body steps. @defaultValue 120 */
  maxSteps?: number;
  /** Only this invariant counts as a failure (mutant self-check); others are noted in `alsoFired`. */
  target?: string;
  /** Generator options (e.g. hostStage2 for the pKVM bugs). */
  gen?: Partial<GenOptions>;
  /** Config keys each trace draws (shrinking toward the default); the rest are `config`'s. @defaultValue none */
  draw?: readonly DrawnKey[];
  /**
   * Stop after this many ms; the interruption then counts as a FAILURE (`markInterruptAsFailure`,
   * pbt-anchors §1.4): a run count that silently shrinks would pass vacuously. @defaultValue none
   */
  timeLimitMs?: number;
}

/** Search result: the shrunk counterexample (with `found`), runs and generated steps before the first failure. */
export interface SearchResult {
  found: Trace | null;
  runs: number;
  steps: number;
  /** Names of other invariants seen firing on traces while looking for `target`. */
  alsoFired: string[];
  /** The runner stopped on the time limit (reported as failure by fast-check). */
  interrupted: boolean;
}

/**
 * The first violation of `r` unless it is a known kernel finding (reports/kernelFindings.ts): what
 * the mainline properties call a failure. A run stops at its first failing step, so a run that hits
 * a known finding says nothing about its later steps.
 */
export function newFailureOf(r: RunResult): Failure | null {
  const f = failureOf(r);
  return f && f.known === undefined ? f : null;
}

/** How a run fails: the invariant, the step, the message, and the registered kernel finding it is, if known. */
export interface Failure { invariant: string; step: number; message: string; known?: string }

/** The name a run fails with under `target` (null = the run passes). */
export function failureOf(r: RunResult, target?: string): Failure | null {
  if (r.error) return { invariant: HARNESS_ERROR, step: r.error.step, message: r.error.message };
  const v = target === undefined ? r.violations[0] : r.violations.find((x) => x.invariant === target);
  return v ? { invariant: v.invariant, step: v.step, message: v.message, ...(v.known !== undefined ? { known: v.known } : {}) } : null;
}

/**
 * The property over generated traces: no violation (of `target`, if given). Values are GenTrace
 * (the same draws and shrinks as traceArbitrary, minus the hex text): convert a counterexample
 * with toTrace.
 */
export function traceProperty(spec: Omit<SearchSpec, 'seed' | 'numRuns'> & { allowKnown?: boolean }, onRun?: (t: GenTrace, r: RunResult) => void): fc.IPropertyWithHooks<[GenTrace]> {
  const opts: SequenceOptions = { config: spec.config, maxSteps: spec.maxSteps ?? 120, draw: spec.draw, ...spec.gen };
  return fc.property(genTraceArbitrary(opts), (t) => {
    const r = runSteps(t.config, t.steps, { collectAll: spec.target !== undefined });
    onRun?.(t, r);
    return (spec.allowKnown === true && spec.target === undefined ? newFailureOf(r) : failureOf(r, spec.target)) === null;
  });
}

/** fast-check parameters for a search: fixed seed and run count; a time limit only as a failure. */
export function searchParams(spec: SearchSpec): fc.Parameters<[GenTrace]> {
  const p: fc.Parameters<[GenTrace]> = { seed: spec.seed, numRuns: spec.numRuns, endOnFailure: false };
  if (spec.timeLimitMs !== undefined) return { ...p, interruptAfterTimeLimit: spec.timeLimitMs, markInterruptAsFailure: true };
  return p;
}

/**
 * Search `numRuns` random traces from `seed`; on a failure fast-check shrinks it, and the minimal
 * trace comes back with `found` = {invariant, step, seed, path, message}. Deterministic in the spec.
 */
export function findViolation(spec: SearchSpec): SearchResult {
  let runs = 0;
  let steps = 0;
  let failed = false;
  const also = new Set<string>();
  const prop = traceProperty(spec, (t, r) => {
    if (failed) return;
    runs++;
    steps += t.steps.length;
    for (const v of r.violations) if (v.invariant !== spec.target) also.add(v.invariant);
    if (failureOf(r, spec.target)) failed = true;
  });
  const det = fc.check(prop, searchParams(spec));
  const res: SearchResult = { found: null, runs, steps, alsoFired: [...also].sort(), interrupted: det.interrupted };
  if (!det.failed || !det.counterexample) return res;
  const trace = toTrace(det.counterexample[0]);
  const f = failureOf(runTrace(trace, { validate: false, collectAll: spec.target !== undefined }), spec.target);
  if (!f) return res;
  res.found = {
    ...trace,
    found: { invariant: f.invariant, step: f.step, seed: det.seed, path: det.counterexamplePath ?? '', message: f.message.split('\n')[0] },
  };
  return res;
}
