/** The trace loader: parse a `s2check-trace/1` text, run it side by side, and give a verdict (which invariant, which step, or pass). */
import type { Violation } from './invariants/types';
import { runTrace, type ExpectFailure, type RunResult } from './runner/runner';
import { parseTraceText } from './trace/parse';
import type { Trace } from './trace/schema';

/** The verdict of a replay: the first violation (by step), or pass. */
export type Verdict = { kind: 'pass' } | { kind: 'violation'; invariant: string; step: number; known?: string } | { kind: 'error'; step: number; message: string };

/** What a replay reports. `matchesFound`: the trace's own `found` (if any) fired again at its step. */
export interface ReplayResult {
  trace: Trace;
  verdict: Verdict;
  /** Every violation (all invariants, all steps). */
  violations: Violation[];
  /** Every `expect` that did not hold. */
  expectFailures: ExpectFailure[];
  matchesFound: boolean | null;
  run: RunResult;
}

/** One-line text of a verdict: `pass`, `NO_STALE_PFN at step 4`, `… (known kernel finding <id>)`, `error at step 2: …`. */
export function verdictText(v: Verdict): string {
  if (v.kind === 'pass') return 'pass';
  if (v.kind === 'error') return `error at step ${v.step}: ${v.message}`;
  return `${v.invariant} at step ${v.step}${v.known !== undefined ? ` (known kernel finding ${v.known})` : ''}`;
}

/** Replay a parsed trace: all invariants on every step (collectAll), every `expect` checked. */
export function replayTrace(trace: Trace): ReplayResult {
  const run = runTrace(trace, { collectAll: true });
  const first = run.violations[0];
  const verdict: Verdict = run.error
    ? { kind: 'error', step: run.error.step, message: run.error.message }
    : first ? { kind: 'violation', invariant: first.invariant, step: first.step, ...(first.known !== undefined ? { known: first.known } : {}) } : { kind: 'pass' };
  const f = trace.found;
  // the same invariant at the same step, and (unless a bug caused it) known as the same kernel finding, or new as it was
  const sameKind = (v: Violation): boolean => (f?.cause?.length ?? 0) > 0 || v.known === f?.known;
  const matchesFound = f ? run.violations.some((v) => v.invariant === f.invariant && v.step === f.step && sameKind(v)) : null;
  return { trace, verdict, violations: run.violations, expectFailures: run.expectFailures, matchesFound, run };
}

/**
 * Load and replay trace text. Throws TraceError (naming the step and field) on a bad trace.
 * Source: DESIGN §4 (replay fails when an expectation does not hold), style-anchors item 11.
 */
export function replayText(text: string): ReplayResult {
  return replayTrace(parseTraceText(text));
}

/** Replay passes: no violation, no failed expect, no error — or, for a trace with `found`, that finding recurs. */
export function replayOk(r: ReplayResult): boolean {
  if (r.expectFailures.length > 0 || r.verdict.kind === 'error') return false;
  return r.matchesFound ?? r.verdict.kind === 'pass';
}
