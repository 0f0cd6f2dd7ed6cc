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
import { createHash } from 'crypto';
import { isRegisteredFor } from '../../impl/bugs';
import type { Config } from '../../model/types';
import { bugsNeeded } from '../runner/attribution';
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
  /** Breadth-first only: expand frontier slices with this (worker threads) instead of in this thread. */
  expander?: Expander;
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

/** States per message to the workers: large enough to amortise messages, small enough to fold while they work. */
const SLICE = 64;

/** A fingerprint as the seen-set keeps it: its SHA-256 (short to store and to send between threads). */
const stateKey = (fp: string): string => createHash('sha256').update(fp).digest('base64');

const signatureOf = (invariant: string, op: string): string => `${invariant} @ ${op}`;

/** What one transition led to. */
export type Successor =
  | { kind: 'state'; step: Step; fp: string }
  | { kind: 'refused' }
  | { kind: 'known'; id: string }
  | { kind: 'violation'; sig: string; trace: Trace };

/** The successors of one state (its path), in alphabet order, and the work done; `stopped` when the budget ended midway. */
export interface Expansion {
  succ: Successor[];
  transitions: number;
  stepsRun: number;
  labels: string[];
  stopped: boolean;
}

/**
 * Every successor of the state `path` reaches: each alphabet step run after it with every check
 * (runSteps), the new state's fingerprint, or why it is not a state (a trace rule refused it, a
 * known kernel finding, a violation — with the shortest trace). Pure in its inputs: worker
 * threads run it on their share of a frontier.
 */
export function successors(scope: Scope, config: Config, path: readonly Step[], stopNow: () => boolean = () => false): Expansion {
  const needsState = scope.alphabet.some((a) => a.op === 'invalidateEnd' && a.id === END_OLDEST);
  const w = needsState ? replay(config, path) : null;
  const out: Expansion = { succ: [], transitions: 0, stepsRun: w ? path.length : 0, labels: [], stopped: false };
  const labels = new Set<string>();
  for (const a of scope.alphabet) {
    if (stopNow()) { out.stopped = true; break; }
    const step = resolve(a, w);
    if (!step) continue;
    const next = [...path, step];
    let fp = '';
    const r = runSteps(config, next, { inspect: (x) => { fp = fingerprint(x); } });
    out.transitions++;
    out.stepsRun += next.length;
    for (const l of r.stats.labels) labels.add(l);
    if (r.error) { out.succ.push({ kind: 'refused' }); continue; }
    const f = failureOf(r);
    if (!f) { out.succ.push({ kind: 'state', step, fp: stateKey(fp) }); continue; }
    // Attributed as fuzz does: the enabled bugs whose removal makes the trace clean are its cause, and
    // a known kernel finding's invariant firing because of one of them is that bug, not the kernel.
    const cause = bugsNeeded(config, next, f.step);
    if (f.known !== undefined && cause.length === 0) { out.succ.push({ kind: 'known', id: f.known }); continue; }
    // With bugs on, the finding is named by a bug's registered invariant when that fires at the step too (as fuzz names it).
    const named = r.violations.find((v) => v.step === f.step && isRegisteredFor(v.invariant, cause.length > 0 ? cause : config.bugs)) ?? f;
    out.succ.push({ kind: 'violation', sig: signatureOf(named.invariant, next[f.step].op), trace: {
      format: TRACE_FORMAT, config: config as TraceConfig, steps: next.slice(0, f.step + 1).map(encodeStep),
      found: { invariant: named.invariant, step: f.step, seed: 0, path: `explore:${scope.name}:depth ${next.length}`, message: named.message.split('\n')[0], ...(cause.length > 0 ? { cause } : {}) },
    } });
  }
  out.labels = [...labels];
  return out;
}

/** Expands a list of states (a frontier share): in this thread, or split over worker threads (explore/pool.ts). */
export type Expander = (paths: readonly (readonly Step[])[]) => Promise<Expansion[]>;

/** Explore every path of ≤ depth steps from the empty world under one config. */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const { scope, config } = o;
  const seen = new Set<string>();
  const res: ExploreResult = { config, expanded: 0, distinct: 0, transitions: 0, stepsRun: 0, frontier: [], findings: [], known: {}, refused: 0, labels: [], complete: false, depthDone: 0 };
  const labels = new Set<string>();
  const found = new Map<string, Trace>();
  runSteps(config, [], { inspect: (w) => seen.add(stateKey(fingerprint(w))) });
  const stopNow = (): boolean => (o.signal?.aborted ?? false) || (o.deadlineMs !== null && Date.now() >= o.deadlineMs);

  /** Fold the expansion of state `path` into the result, in alphabet order; new states go to `keep`. False when it was cut by the budget. */
  const fold = (path: readonly Step[], e: Expansion, keep: (p: Step[]) => void, dedup: (fp: string) => boolean): boolean => {
    res.transitions += e.transitions;
    res.stepsRun += e.stepsRun;
    for (const l of e.labels) labels.add(l);
    for (const x of e.succ) {
      if (x.kind === 'refused') res.refused++;
      else if (x.kind === 'known') res.known[x.id] = (res.known[x.id] ?? 0) + 1;
      else if (x.kind === 'violation') { if (!found.has(x.sig)) found.set(x.sig, x.trace); }
      else if (dedup(x.fp)) keep([...path, x.step]);
    }
    if (e.stopped) return false;
    res.expanded++;
    return true;
  };
  const expand = (path: readonly Step[], keep: (p: Step[]) => void, dedup: (fp: string) => boolean): boolean => fold(path, successors(scope, config, path, stopNow), keep, dedup);

  let complete = true;
  if (!o.iddfs) {
    let frontier: Step[][] = [[]];
    const fresh = (fp: string): boolean => !seen.has(fp) && !!seen.add(fp);
    for (let d = 0; d < o.depth && complete; d++) {
      const next: Step[][] = [];
      if (o.expander) {
        // The whole level goes out at once in slices (the workers never wait for this thread), each
        // split over the workers; folded in frontier order, so the states and their order match one thread's.
        const slices: Step[][][] = [];
        for (let i = 0; i < frontier.length; i += SLICE) slices.push(frontier.slice(i, i + SLICE));
        const pending = slices.map((slice) => o.expander?.(slice) ?? Promise.resolve([]));
        for (let k = 0; k < slices.length; k++) {
          const es = await pending[k];
          if (complete) for (let j = 0; j < es.length; j++) if (!fold(slices[k][j], es[j], (p) => next.push(p), fresh)) { complete = false; break; }
          o.onProgress?.({ depth: d + 1, distinct: seen.size, transitions: res.transitions });
          if (stopNow()) complete = false;
        }
      } else {
        for (const path of frontier) {
          if (!expand(path, (p) => next.push(p), fresh)) { complete = false; break; }
          o.onProgress?.({ depth: d + 1, distinct: seen.size, transitions: res.transitions });
          if (res.expanded % 64 === 0) await new Promise((r) => setImmediate(r));
        }
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
