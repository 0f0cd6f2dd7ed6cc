/** `npm run mutants`: the mutant scoreboard — for each historical behaviour, fuzz with it on until its invariant fires or the time is up. */
import { Command } from 'commander';
import { BUGS, type BugName } from '../impl/bugs';
import { DEFAULT_CONFIG } from '../model/types';
import { findViolation } from '../properties/runner/property';
import { MUTANT_GEN } from '../properties/runner/mutants';
import { DRAWN_KEYS } from '../properties/steps/config';
import { parseBugList, parseDuration, parsePositiveInt, parseSeed } from './args';
import { configure, EXIT, guard, runAsScript, type Io } from './io';
import { laneSeeds } from './lane';
import { explore } from '../properties/explore/search';
import { parseScope } from '../properties/explore/scope';
import { bugScope } from '../properties/explore/bugScopes';

/** One scoreboard row (`--json` prints an array of these). */
export interface MutantRow {
  name: string;
  found: boolean;
  /** Runs until the first finding (or all runs made, when not found). */
  runs: number;
  /** Seconds until the first finding (or the time spent). */
  seconds: number;
  /** Length of the shrunk counterexample (0 when not found). */
  shrunkSteps: number;
  /** The invariant that fired (the one the registry names), or null. */
  invariant: string | null;
  /** With --explore: the shortest counterexample exploration found in the bug's scope (its depth = its length), or null. */
  explore?: { found: boolean; scope: string; depth: number; steps: number; distinct: number; seconds: number };
}

/**
 * Explore the bug's smallest scope (properties/explore/bugScopes.ts) depth by depth, up to
 * `maxDepth` or the time, until its registered invariant fires: breadth-first, the first hit is a
 * shortest counterexample.
 */
export async function exploreMutant(name: BugName, maxDepth: number, seconds: number): Promise<NonNullable<MutantRow['explore']>> {
  const bug = BUGS.find((b) => b.name === name);
  if (!bug) throw new RangeError(`unknown bug ${name}`);
  const scope = parseScope(bugScope(name));
  const t0 = Date.now();
  let distinct = 0;
  for (let depth = 1; depth <= maxDepth; depth++) {
    const r = await explore({ scope, config: { ...scope.configs[0], bugs: [name] }, depth, deadlineMs: t0 + seconds * 1000 });
    distinct = r.distinct;
    const f = r.findings.find((t) => t.found?.invariant === bug.invariant);
    if (f) return { found: true, scope: scope.name, depth, steps: f.steps.length, distinct, seconds: (Date.now() - t0) / 1000 };
    if (!r.complete) break;
  }
  return { found: false, scope: scope.name, depth: 0, steps: 0, distinct, seconds: (Date.now() - t0) / 1000 };
}

const BATCH_RUNS = 20;

/** Fuzz one bug with its registry invariant as the target, batch after batch, until found or out of time. */
export function huntMutant(name: BugName, seconds: number, seed: number, maxSteps: number): MutantRow {
  const bug = BUGS.find((b) => b.name === name);
  if (!bug) throw new RangeError(`unknown bug ${name}`);
  const next = laneSeeds(seed, BUGS.indexOf(bug), BUGS.length, 0);
  const t0 = Date.now();
  let runs = 0;
  for (;;) {
    const left = seconds * 1000 - (Date.now() - t0);
    if (left <= 0) return { name, found: false, runs, seconds: (Date.now() - t0) / 1000, shrunkSteps: 0, invariant: null };
    const r = findViolation({
      config: { ...DEFAULT_CONFIG, bugs: [name] }, draw: DRAWN_KEYS, gen: MUTANT_GEN[name], target: bug.invariant,
      seed: next(), numRuns: BATCH_RUNS, maxSteps, timeLimitMs: left,
    });
    runs += r.runs;
    if (r.found?.found) return { name, found: true, runs, seconds: (Date.now() - t0) / 1000, shrunkSteps: r.found.steps.length, invariant: r.found.found.invariant };
  }
}

interface MutantFlags { timePerBug: string; json?: boolean; only?: string; seed: string; maxSteps: string; explore?: boolean; maxDepth: string }

async function mutantsAction(flags: MutantFlags, io: Io): Promise<number> {
  const seconds = parseDuration(flags.timePerBug, '--time-per-bug');
  const seed = parseSeed(flags.seed);
  const maxSteps = parsePositiveInt(flags.maxSteps, '--max-steps');
  const names = (flags.only !== undefined ? parseBugList(flags.only) : BUGS.map((b) => b.name)) as BugName[];
  const rows: MutantRow[] = [];
  for (const name of names) {
    const row = huntMutant(name, seconds, seed, maxSteps);
    if (flags.explore) row.explore = await exploreMutant(name, parsePositiveInt(flags.maxDepth, '--max-depth'), seconds);
    rows.push(row);
    if (!flags.json) {
      io.out(`${row.found ? 'found    ' : 'NOT FOUND'} ${name.padEnd(32)} ${String(row.runs).padStart(6)} runs ${row.seconds.toFixed(1).padStart(6)} s` +
        `${row.found ? `  shrunk to ${row.shrunkSteps} steps  ${row.invariant}` : ''}` +
        `${row.explore ? (row.explore.found ? `  | explore: depth ${row.explore.depth}, ${row.explore.steps} steps (${row.explore.distinct} states, ${row.explore.seconds.toFixed(1)} s)` : `  | explore: NOT FOUND in ${row.explore.scope}`) : ''}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const missed = rows.filter((r) => !r.found || (r.explore !== undefined && !r.explore.found));
  if (flags.json) io.out(JSON.stringify(rows, null, 2));
  else io.out(`${rows.length - missed.length}/${rows.length} historical behaviours found${missed.length ? `; missed: ${missed.map((r) => r.name).join(', ')}` : ''}`);
  return missed.length > 0 ? EXIT.found : EXIT.clean;
}

/** Parse `argv` and run the scoreboard; resolves to the exit code (1 if any behaviour is not found). */
export async function mutantsMain(argv: string[], io: Io): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('mutants'), io)
      .description('For each historical behaviour (impl/bugs.ts), fuzz with it on until the invariant it names fires; exit 1 if any is not found.')
      .option('--time-per-bug <duration>', 'time budget per behaviour', '20s')
      .option('--only <a,b>', 'only these behaviours')
      .option('--seed <n>', 'base seed (each behaviour derives its own stream)', '1')
      .option('--max-steps <n>', 'steps per generated trace', '60')
      .option('--explore', 'also explore each behaviour\'s smallest scope exhaustively: the shortest counterexample beside fuzz\'s shrunk one')
      .option('--max-depth <k>', 'with --explore: the deepest level explored', '6')
      .option('--json', 'print an array of {name, found, runs, seconds, shrunkSteps, invariant, explore?}')
      .action(async (flags: MutantFlags) => { code = await mutantsAction(flags, io); });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

if (require.main === module) runAsScript(mutantsMain);
