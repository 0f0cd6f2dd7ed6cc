/** Generator statistics over traces: share of each op, access kind and coverage feature (purely from the traces). */
import type { Trace } from '../trace/schema';
import { traceFeatures } from './features';

/** Shares in [0, 1]: ops and kinds over all steps, features over traces. */
export interface GenStats {
  traces: number;
  steps: number;
  /** Share of steps per op. */
  ops: Record<string, number>;
  /** Share of access/faultBegin steps per access kind. */
  kinds: Record<string, number>;
  /** Share of traces showing each feature (and each label the hook adds). */
  features: Record<string, number>;
}

/**
 * Outcome-based labels ("block installed", "NISV", …) come from the runner: it passes a hook that
 * returns extra labels for trace `i` (e.g. from the outcomes it observed), merged into `features`.
 */
export type FeatureHook = (trace: Trace, index: number) => Iterable<string>;

const share = (m: Map<string, number>, n: number): Record<string, number> =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, n === 0 ? 0 : c / n]));

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

/** Count ops, access kinds and features over `traces`. */
export function generatorStats(traces: readonly Trace[], hook?: FeatureHook): GenStats {
  const ops = new Map<string, number>();
  const kinds = new Map<string, number>();
  const feats = new Map<string, number>();
  let steps = 0;
  let guest = 0;
  traces.forEach((t, i) => {
    for (const s of t.steps) {
      steps++;
      bump(ops, s.op);
      if (s.op === 'access' || s.op === 'faultBegin') { guest++; bump(kinds, s.kind); }
    }
    const labels = new Set([...traceFeatures(t), ...(hook?.(t, i) ?? [])]);
    for (const l of labels) bump(feats, l);
  });
  return { traces: traces.length, steps, ops: share(ops, steps), kinds: share(kinds, guest), features: share(feats, traces.length) };
}

/** A fixed-width table of a stats object, for logs and reports. */
export function formatStats(st: GenStats): string {
  const rows = (title: string, rec: Record<string, number>): string[] =>
    [title, ...Object.entries(rec).map(([k, v]) => `  ${k.padEnd(48)} ${(100 * v).toFixed(1).padStart(5)}%`)];
  return [`${st.traces} traces, ${st.steps} steps`, ...rows('ops', st.ops), ...rows('access kinds', st.kinds), ...rows('features (share of traces)', st.features)].join('\n');
}
