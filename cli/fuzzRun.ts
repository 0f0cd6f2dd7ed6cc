/** The fuzz run: lanes (inline or worker_threads) until the budget ends, findings deduplicated, report checkpoints and final write. */
import type { ImplVariant } from '../impl/variants';
import * as path from 'path';
import type { Trace, TraceConfig } from '../properties/trace';
import type { GenOptions } from '../properties/steps/world';
import { FindingSet } from '../reports/dedup';
import { SUMMARY_FORMAT, type Summary } from '../reports/schema';
import { addCounts, addGen, emptyGenCounts, genJson, sortedCounts } from '../reports/stats';
import { findingsOf, writeReport } from '../reports/writer';
import type { Shard } from './args';
import type { DrawnKey } from '../properties/steps/config';
import { describeFinding } from './describe';
import { laneShare, runLane, type LaneBatch, type LaneSpec } from './lane';
import { runWorkers } from './pool';

/** Everything a fuzz run needs. Wall-clock time bounds the run; it never decides a result. */
export interface FuzzOptions {
  config: TraceConfig;
  seed: number;
  shard: Shard;
  /** 1 = inline in this thread; k > 1 = k worker threads. */
  workers: number;
  /** Time budget in seconds (null = none). */
  seconds: number | null;
  /** Run budget over all lanes (null = none). */
  runs: number | null;
  /** Report directory (null = write nothing). */
  outDir: string | null;
  /** @defaultValue 100 */
  maxSteps?: number;
  /** @defaultValue 20 */
  batchRuns?: number;
  /** @defaultValue 1 */
  statsPerBatch?: number;
  /** Generator options (hostStage2 for the pKVM behaviours). */
  gen?: Partial<GenOptions>;
  /** Config keys each trace draws (the rest are `config`'s). @defaultValue none */
  draw?: readonly DrawnKey[];
  /** Test-only impl variant (impl/variants.ts). @defaultValue mainline */
  implVariant?: ImplVariant;
  /** Stop at the first finding (mutants). */
  stopOnFirst?: boolean;
  /** Aborting stops after the current batch and still writes the report (SIGINT / SIGTERM). */
  signal?: AbortSignal;
  /** Called after every batch (progress bar). */
  onProgress?: (p: { runs: number; steps: number; findings: number; elapsed: number }) => void;
}

/** The first finding's cost (mutant scoreboard). */
export interface FirstFinding {
  runs: number;
  seconds: number;
  trace: Trace;
}

/** What a run did. */
export interface FuzzResult {
  summary: Summary;
  findings: { entry: Summary['findings'][number]; trace: Trace }[];
  first: FirstFinding | null;
}

const now = (): number => performance.now() / 1000;
/** Resolves when `signal` aborts (never without one). */
const aborted = (signal: AbortSignal | undefined): Promise<void> => new Promise((resolve) => {
  if (signal?.aborted) resolve();
  else signal?.addEventListener('abort', () => resolve(), { once: true });
});
const CHECKPOINT_SECONDS = 10;

/** Run the fuzzer. Resolves when the budget ends, the run budget is spent, or the signal aborts. */
export async function fuzz(o: FuzzOptions): Promise<FuzzResult> {
  const lanes = Math.max(1, o.workers);
  const specs: LaneSpec[] = Array.from({ length: lanes }, (_, lane) => ({
    config: o.config, seed: o.seed, shardIndex: o.shard.index, shardCount: o.shard.count, lane, lanes,
    maxSteps: o.maxSteps ?? 100, batchRuns: o.batchRuns ?? 20, runs: o.runs === null ? null : laneShare(o.runs, lanes, lane), statsPerBatch: o.statsPerBatch ?? 1, gen: o.gen, draw: o.draw, implVariant: o.implVariant,
    deadlineMs: null,
  }));
  // Worker threads take seconds to load: the budget starts once every lane is ready to run.
  const set = new FindingSet();
  // Lanes post batches only once started, after onBatch below is defined.
  const pool = lanes > 1 ? runWorkers(specs, (b) => onBatch(b)) : null;
  if (pool) await Promise.race([pool.ready, pool.done, aborted(o.signal)]);
  const t0 = now();
  // Lanes (maybe other processes) stop by this wall-clock deadline; the run's own clock is
  // performance.now(). Both end the time budget, so a lane that stopped at the deadline while the
  // monotonic clock reads a hair less still reports 'time', not 'runs'.
  const deadlineMs = o.seconds === null ? null : Date.now() + o.seconds * 1000;
  const gen = emptyGenCounts();
  const checks: Record<string, number> = {};
  const cases: Record<string, number> = {};
  let runs = 0, steps = 0, first: FirstFinding | null = null, stop: Summary['stop'] = 'running', stopped = false, lastCheckpoint = t0;
  const elapsed = (): number => now() - t0;
  const shouldStop = (): boolean => {
    if (stopped) return true;
    if (o.signal?.aborted) { stop = 'signal'; stopped = true; }
    else if (o.seconds !== null && (elapsed() >= o.seconds || (deadlineMs !== null && Date.now() >= deadlineMs))) { stop = 'time'; stopped = true; }
    else if (o.stopOnFirst && first) { stop = 'runs'; stopped = true; }
    return stopped;
  };
  const summary = (): Summary => {
    const secs = elapsed();
    return {
      format: SUMMARY_FORMAT, run: o.outDir ? path.basename(o.outDir) : 'memory', config: o.config, drawnConfig: [...(o.draw ?? [])], seed: o.seed, shards: [`${o.shard.index}/${o.shard.count}`],
      workers: lanes, stop, interrupted: stop === 'signal', seconds: secs, runs, steps,
      stepsPerSecond: secs > 0 ? steps / secs : 0, runsPerSecond: secs > 0 ? runs / secs : 0,
      invariantChecks: sortedCounts(checks), invariantCases: sortedCounts(cases), generator: genJson(gen),
      findings: findingsOf(set).map((f) => f.entry),
    };
  };
  const write = (): void => {
    if (o.outDir) writeReport(o.outDir, summary(), findingsOf(set), describeFinding);
    lastCheckpoint = now();
  };
  const onBatch = (b: LaneBatch): void => {
    runs += b.runs;
    steps += b.steps;
    addGen(gen, b.gen);
    addCounts(checks, b.checks);
    addCounts(cases, b.cases);
    let fresh = false;
    if (b.found) {
      fresh = set.add(b.found);
      if (!first) first = { runs, seconds: elapsed(), trace: b.found };
    }
    for (const [key, n] of Object.entries(b.repeats)) set.hit(key, n);
    o.onProgress?.({ runs, steps, findings: set.size, elapsed: elapsed() });
    if (fresh || now() - lastCheckpoint > CHECKPOINT_SECONDS) write();
  };
  o.signal?.addEventListener('abort', () => { if (!stopped) { stop = 'signal'; stopped = true; } });
  const timer = o.seconds === null ? null : setTimeout(() => shouldStop(), o.seconds * 1000 + 5);
  try {
    if (pool === null) await runLane({ ...specs[0], deadlineMs }, shouldStop, onBatch);
    else {
      if (shouldStop()) pool.stop();
      else pool.start(deadlineMs);
      const poll = setInterval(() => {
        if (!shouldStop()) return;
        if (stop === 'signal') pool.kill();
        else pool.stop();
      }, 50);
      try { await pool.done; } finally { clearInterval(poll); }
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  shouldStop();
  if (stop === 'running') stop = 'runs';
  write();
  return { summary: summary(), findings: findingsOf(set), first };
}
