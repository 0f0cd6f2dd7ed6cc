/** One fuzz lane (a shard × worker): a seedrandom stream of batch seeds and the batch loop, shared by the main thread and workers. */
import type { ImplVariant } from '../impl/variants';
import seedrandom from 'seedrandom';
import type { Trace, TraceConfig } from '../properties/trace';
import type { GenCounts } from '../reports/stats';
import type { GenOptions } from '../properties/steps/world';
import type { DrawnKey } from '../properties/steps/config';
import { CHECK_NAMES, sampleStats, searchBatch } from './engine';
import { namedAsRegistered, signatureOf } from '../reports/dedup';

/** What a lane runs. Lanes are numbered 0..lanes-1 inside one shard. */
export interface LaneSpec {
  config: TraceConfig;
  seed: number;
  shardIndex: number;
  shardCount: number;
  lane: number;
  lanes: number;
  maxSteps: number;
  /** Runs per findViolation call. */
  batchRuns: number;
  /** This lane's share of --runs, or null for time only. */
  runs: number | null;
  /** Traces per batch run side by side for generator statistics. */
  statsPerBatch: number;
  /** Generator options (hostStage2 for the pKVM behaviours). */
  gen?: Partial<GenOptions>;
  /** Config keys each trace draws (those --config does not pin). */
  draw?: readonly DrawnKey[];
  /** Test-only impl variant (impl/variants.ts). */
  implVariant?: ImplVariant;
  /** Date.now() deadline of a time budget (ms), or null: caps each batch (search and shrink). */
  deadlineMs: number | null;
}

/** One batch's contribution. */
export interface LaneBatch {
  lane: number;
  batch: number;
  seed: number;
  runs: number;
  steps: number;
  found: Trace | null;
  /** Repeats of signatures this lane had already found (not shrunk again): signature key → hits. */
  repeats: Record<string, number>;
  gen: GenCounts;
  /** Per check, the steps it ran on (every check runs after every searched step). */
  checks: Record<string, number>;
  /** Per check, the searched steps that showed it a case it could reject. */
  cases: Record<string, number>;
}

/** The batch-seed stream of a lane: `(seed, shard, lane)` → the same seeds on every machine. */
export function laneSeeds(seed: number, shardIndex: number, shardCount: number, lane: number): () => number {
  const rng = seedrandom(`s2check/${seed}/${shardIndex}/${shardCount}/${lane}`);
  return () => rng.int32();
}

/** `total` runs split over `lanes` lanes: lane i gets ⌊total/lanes⌋, the first total mod lanes one more. */
export const laneShare = (total: number, lanes: number, i: number): number => Math.floor(total / lanes) + (i < total % lanes ? 1 : 0);

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Run batches until `stop()` says so or the lane's run share is spent, reporting each batch.
 * Yields to the event loop between batches so signals and stop messages get through.
 */
export async function runLane(spec: LaneSpec, stop: () => boolean, onBatch: (b: LaneBatch) => void): Promise<void> {
  const next = laneSeeds(spec.seed, spec.shardIndex, spec.shardCount, spec.lane);
  let left = spec.runs ?? Infinity;
  const known = new Map<string, boolean>(); // signature keys this lane found (→ named as registered): later hits are counted, not shrunk again
  for (let batch = 0; left > 0 && !stop(); batch++) {
    const seed = next();
    const numRuns = Math.min(spec.batchRuns, left);
    const cap = spec.deadlineMs === null ? undefined : spec.deadlineMs - Date.now();
    if (cap !== undefined && cap <= 0) break;
    const r = searchBatch({ config: spec.config, seed, numRuns, maxSteps: spec.maxSteps, gen: spec.gen, draw: spec.draw, implVariant: spec.implVariant }, cap, known);
    const sig = r.found ? signatureOf(r.found) : null;
    if (sig && r.found) known.set(sig.key, (known.get(sig.key) ?? false) || namedAsRegistered(r.found));
    const st = sampleStats({ config: spec.config, seed: seed ^ 0x5a5a5a5a, numRuns, maxSteps: spec.maxSteps, gen: spec.gen, draw: spec.draw }, spec.statsPerBatch);
    left -= Math.max(1, r.runs);
    const checks = Object.fromEntries(CHECK_NAMES.map((n) => [n, r.checkedSteps]));
    onBatch({ lane: spec.lane, batch, seed, runs: r.runs, steps: r.steps, found: r.found, repeats: r.repeats, gen: st.gen, checks, cases: r.cases });
    await tick();
  }
}
