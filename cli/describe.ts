/** A finding's outcome table and IPA pictures, by replaying its trace (the data behind summary.html and replay). */
import { outcomeText } from '../properties/runner/compare';
import { runTrace, type RunResult } from '../properties/runner/runner';
import type { Trace, TraceStep } from '../properties/trace';
import type { FindingDetail, OutcomeRow } from '../reports/view';
import { viewsAround } from './engine';

/** A step's fields other than `op` and `expect`, one line. */
export function argsText(s: TraceStep): string {
  return Object.entries(s).filter(([k]) => k !== 'op' && k !== 'expect').map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`).join(' ');
}

/** The outcome table of a run (one row per executed step). */
export function outcomeRows(trace: Trace, r: RunResult): OutcomeRow[] {
  const bad = new Map<number, string>();
  for (const e of r.expectFailures) bad.set(e.step, e.message);
  for (const v of r.violations) bad.set(v.step, v.invariant);
  if (r.error) bad.set(r.error.step, `harness error: ${r.error.message}`);
  return r.outcomes.map((o, i) => {
    const model = o.model ? outcomeText(o.model.outcome) : '(n/a)';
    const impl = outcomeText(o.impl.outcome);
    const note = bad.get(i);
    return { index: i, op: trace.steps[i].op, args: argsText(trace.steps[i]), model, impl, bad: model !== impl && o.model !== null ? true : note !== undefined, ...(note ? { note } : {}) };
  });
}

/** Replay `trace` and build the detail the report shows for it. */
export function describeFinding(trace: Trace): FindingDetail {
  const r = runTrace(trace);
  const v = r.violations[0];
  const k = v?.step ?? trace.found?.step ?? Math.max(0, trace.steps.length - 1);
  const { before, after, model, state, stateBefore } = viewsAround(trace, k);
  const message = v ? `${v.invariant}: ${v.message.split('\n')[0]}` : r.error ? `harness error: ${r.error.message}` : `no violation on replay (recorded ${trace.found?.invariant ?? '?'})`;
  return { rows: outcomeRows(trace, r), before, after, model, state, stateBefore, highlight: v?.ipa ?? null, message };
}
