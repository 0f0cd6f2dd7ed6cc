/** Policy diff, the run: batches of searchDiffBatch from a seedrandom stream until the budget ends, classes deduplicated. */
import seedrandom from 'seedrandom';
import type { Config } from '../../model/types';
import type { DrawnKey } from '../steps/config';
import type { GenOptions } from '../steps/world';
import type { Trace } from '../trace/schema';
import { searchDiffBatch, type Sides } from './search';

/** What to compare and for how long. */
export interface DiffRunOptions {
  sides: Sides;
  /** The config traces start from (A's overrides merged); `draw` keys are drawn per trace. */
  config: Config;
  draw: readonly DrawnKey[];
  gen?: Partial<GenOptions>;
  seed: number;
  /** Run budget (deterministic), or null for time only. */
  runs: number | null;
  /** Time budget in seconds, or null. */
  seconds: number | null;
  maxSteps: number;
  batchRuns?: number;
  signal?: AbortSignal;
  /** Called after each batch with the runs so far (progress). */
  onBatch?: (runs: number) => void;
}

/** One difference class: its minimal trace and how often the run hit it. */
export interface DiffClass {
  cls: string;
  trace: Trace;
  hits: number;
}

/** What a run found. */
export interface DiffRunResult {
  classes: DiffClass[];
  /** Classes of steps that agreed, with counts. */
  agreed: Record<string, number>;
  runs: number;
  steps: number;
  incomparable: number;
  stop: 'runs' | 'time' | 'signal';
  seconds: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Search batch after batch; each class is shrunk once, later hits are counted. Same seed and --runs, same result. */
export async function runDiff(o: DiffRunOptions): Promise<DiffRunResult> {
  const rng = seedrandom(`s2check-diff/${o.seed}`);
  const t0 = performance.now();
  const deadline = o.seconds === null ? null : Date.now() + o.seconds * 1000;
  const byClass = new Map<string, DiffClass>();
  const agreed: Record<string, number> = {};
  let runs = 0, steps = 0, incomparable = 0;
  let stop: DiffRunResult['stop'] = 'runs';
  for (;;) {
    if (o.signal?.aborted) { stop = 'signal'; break; }
    if (o.runs !== null && runs >= o.runs) { stop = 'runs'; break; }
    const cap = deadline === null ? undefined : deadline - Date.now();
    if (cap !== undefined && cap <= 0) { stop = 'time'; break; }
    const numRuns = Math.min(o.batchRuns ?? 50, o.runs === null ? Infinity : o.runs - runs);
    const b = searchDiffBatch({ sides: o.sides, config: o.config, draw: o.draw, gen: o.gen, seed: rng.int32(), numRuns, maxSteps: o.maxSteps }, new Set(byClass.keys()), cap);
    runs += Math.max(1, b.runs);
    steps += b.steps;
    incomparable += b.incomparable;
    for (const [c, n] of Object.entries(b.agreed)) agreed[c] = (agreed[c] ?? 0) + n;
    for (const [c, n] of Object.entries(b.repeats)) { const e = byClass.get(c); if (e) e.hits += n; }
    const d = b.found?.difference;
    if (b.found && d) {
      const e = byClass.get(d.class);
      if (e) e.hits++;
      else byClass.set(d.class, { cls: d.class, trace: b.found, hits: 1 });
    }
    o.onBatch?.(runs);
    await tick();
  }
  const classes = [...byClass.values()].sort((x, y) => (x.cls < y.cls ? -1 : x.cls > y.cls ? 1 : 0));
  return { classes, agreed, runs, steps, incomparable, stop, seconds: (performance.now() - t0) / 1000 };
}
