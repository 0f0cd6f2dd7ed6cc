/**
 * Exhaustive bounded exploration (issue 17): breadth-first over every sequence of the scope's
 * steps up to a depth, model and impl side by side with every check after every step (runSteps),
 * states deduplicated by their canonical fingerprint. A state is expanded by replaying its path
 * from a fresh world rather than cloning one: measured (npm run bench -- --only explore, README),
 * the replay of a 5-step path is about a third of a depth-6 transition and the fingerprint most of
 * the rest, so a clone — a deep copy of the host mm, the model and the impl's table pool, each a
 * place for copies to go subtly wrong — could save at most that third.
 * Breadth-first, the first violation of each signature is a shortest counterexample.
 */
import { isRegisteredFor } from '../../impl/bugs';
import type { Config } from '../../model/types';
import { knownKernelFinding } from '../../reports/kernelFindings';
import { applyStep, newWorld, type World } from '../runner/executors';
import { failureOf } from '../runner/property';
import { runSteps } from '../runner/runner';
import { encodeStep, type Step } from '../trace/codec';
import type { Trace, TraceConfig } from '../trace/schema';
import { TRACE_FORMAT } from '../trace/vocab';
import { fingerprint } from './fingerprint';
import { END_OLDEST, type Scope } from './scope';

/** How far to explore. */
export interface ExploreOptions {
  scope: Scope;
  config: Config;
  depth: number;
  /** Date.now() deadline, or null. */
  deadlineMs: number | null;
  signal?: AbortSignal;
  /** Iterative deepening depth-first instead of breadth-first (less memory, same states). */
  iddfs?: boolean;
  onProgress?: (p: { depth: number; distinct: number; transitions: number }) => void;
}

/** What exploring one config found. */
export interface ExploreResult {
  config: Config;
  /** States whose successors were all generated. */
  expanded: number;
  /** Distinct states reached (the initial one included). */
  distinct: number;
  transitions: number;
  /** Steps executed (replays included): the work done. */
  stepsRun: number;
  /** New distinct states first reached at each depth 1..k. */
  frontier: number[];
  /** Shortest counterexamples, one per signature (invariant @ op), each with `found`. */
  findings: Trace[];
  /** Transitions that ended in a known kernel finding (not expanded further), by id. */
  known: Record<string, number>;
  /** Transitions a trace rule refused (e.g. setMemslot while an invalidation is open). */
  refused: number;
  labels: string[];
  /** True when every state up to `depth` was expanded; false when the budget or a signal cut it. */
  complete: boolean;
  /** The deepest level fully expanded. */
  depthDone: number;
}

/** The alphabet's step `a` in the state after `w`, or null when it has no meaning there (no invalidation to end). */
function resolve(a: Step, w: World | null): Step | null {
  if (a.op !== 'invalidateEnd' || a.id !== END_OLDEST) return a;
  const open = w?.model.host.openInvalidations() ?? [];
  return open.length > 0 ? { op: 'invalidateEnd', id: open[0].id } : null;
}

/** The world after `path` (no checks): for resolving state-dependent steps. */
function replay(config: Config, path: readonly Step[]): World {
  const w = newWorld(config);
  for (const s of path) applyStep(w, s);
  return w;
}

const signatureOf = (invariant: string, op: string): string => `${invariant} @ ${op}`;

/** Explore every path of ≤ depth steps from the empty world under one config. */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const { scope, config } = o;
  const needsState = scope.alphabet.some((a) => a.op === 'invalidateEnd' && a.id === END_OLDEST);
  const seen = new Set<string>();
  const res: ExploreResult = { config, expanded: 0, distinct: 0, transitions: 0, stepsRun: 0, frontier: [], findings: [], known: {}, refused: 0, labels: [], complete: false, depthDone: 0 };
  const labels = new Set<string>();
  const found = new Map<string, Trace>();
  runSteps(config, [], { inspect: (w) => seen.add(fingerprint(w)) });
  const stopNow = (): boolean => (o.signal?.aborted ?? false) || (o.deadlineMs !== null && Date.now() >= o.deadlineMs);

  /** Try every successor of `path`; new states are handed to `keep`. False when the budget ended. */
  const expand = (path: readonly Step[], keep: (p: Step[]) => void, dedup: (fp: string) => boolean): boolean => {
    const w = needsState ? replay(config, path) : null;
    if (w) res.stepsRun += path.length;
    for (const a of scope.alphabet) {
      if (stopNow()) return false;
      const step = resolve(a, w);
      if (!step) continue;
      const next = [...path, step];
      let fp = '';
      const r = runSteps(config, next, { inspect: (x) => { fp = fingerprint(x); } });
      res.transitions++;
      res.stepsRun += next.length;
      for (const l of r.stats.labels) labels.add(l);
      if (r.error) { res.refused++; continue; }
      const f = failureOf(r);
      if (f) {
        const k = knownKernelFinding(f.invariant);
        if (k) { res.known[k.id] = (res.known[k.id] ?? 0) + 1; continue; }
        // With bugs on, the finding is named by a bug's registered invariant when that fires at the step too (as fuzz names it).
        const named = r.violations.find((v) => v.step === f.step && isRegisteredFor(v.invariant, config.bugs)) ?? f;
        const sig = signatureOf(named.invariant, next[f.step].op);
        if (!found.has(sig)) {
          found.set(sig, { format: TRACE_FORMAT, config: config as TraceConfig, steps: next.slice(0, f.step + 1).map(encodeStep),
            found: { invariant: named.invariant, step: f.step, seed: 0, path: `explore:${scope.name}:depth ${next.length}`, message: named.message.split('\n')[0] } });
        }
        continue;
      }
      if (dedup(fp)) keep(next);
    }
    res.expanded++;
    return true;
  };

  let complete = true;
  if (!o.iddfs) {
    let frontier: Step[][] = [[]];
    for (let d = 0; d < o.depth && complete; d++) {
      const next: Step[][] = [];
      for (const path of frontier) {
        if (!expand(path, (p) => next.push(p), (fp) => !seen.has(fp) && !!seen.add(fp))) { complete = false; break; }
        o.onProgress?.({ depth: d + 1, distinct: seen.size, transitions: res.transitions });
        if (res.expanded % 64 === 0) await new Promise((r) => setImmediate(r));
      }
      res.frontier.push(next.length);
      if (complete) res.depthDone = d + 1;
      frontier = next;
    }
  } else {
    // Iterative deepening: depth-first to each bound in turn; within one pass a state is entered
    // again only when reached at a smaller depth than before (so it is explored as deep as the bound allows).
    for (let bound = 1; bound <= o.depth && complete; bound++) {
      let fresh = 0;
      const pass = new Map<string, number>();
      const dfs = (path: Step[]): boolean => {
        if (path.length >= bound) return true;
        const kids: Step[][] = [];
        if (!expand(path, (p) => kids.push(p), (fp) => {
          const d = path.length + 1;
          if ((pass.get(fp) ?? Infinity) <= d) return false;
          pass.set(fp, d);
          if (!seen.has(fp)) { seen.add(fp); fresh++; }
          return true;
        })) return false;
        for (const k of kids) if (!dfs(k)) return false;
        return true;
      };
      complete = dfs([]);
      res.frontier.push(fresh);
      if (complete) res.depthDone = bound;
      await new Promise((r) => setImmediate(r));
    }
  }
  res.distinct = seen.size;
  res.findings = [...found.values()];
  res.labels = [...labels].sort();
  res.complete = complete;
  return res;
}
