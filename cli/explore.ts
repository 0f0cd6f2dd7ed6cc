/** `npm run explore`: every trace up to depth k in a small scope, model and impl side by side; the claim it supports, or the shortest counterexamples. */
import * as os from 'os';
import * as path from 'path';
import { startPool } from '../properties/explore/pool';
import { Command } from 'commander';
import { parseBugs } from '../impl/bugs';
import type { Config } from '../model/types';
import { explore, type ExploreResult } from '../properties/explore/search';
import { parseScope, SCOPES, type Scope } from '../properties/explore/scope';
import { TraceError, type TraceConfig } from '../properties/trace';
import { FindingSet } from '../reports/dedup';
import { writeAtomic } from '../reports/atomic';
import { emptyGenCounts, genJson } from '../reports/stats';
import { SUMMARY_FORMAT, type Summary } from '../reports/schema';
import { findingsOf, newFindingsOf, writeReport } from '../reports/writer';
import { configText } from '../reports/configText';
import { describeFinding } from './describe';
import { ensureWritableDir, lockDir, parseBugList, parseDuration, parsePositiveInt, readJsonFile, UsageError } from './args';
import { configure, EXIT, guard, runAsScript, type Io } from './io';

/** `--scope tiny|small|FILE.json` → a validated scope; a bad file is one line naming the field. */
export function loadScope(arg: string): Scope {
  const builtin = SCOPES[arg];
  const json = builtin ?? (arg.endsWith('.json') || arg.includes('/') ? readJsonFile(arg, '--scope') : undefined);
  if (json === undefined) throw new UsageError('--scope', `unknown scope ${JSON.stringify(arg)}; built in: ${Object.keys(SCOPES).join(', ')}, or a FILE.json`);
  try {
    return parseScope(json);
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError('--scope', `${builtin ? arg : path.basename(arg)}: ${e.message}`);
    throw e;
  }
}

/** One config's result as explore.json holds it. */
function resultJson(r: ExploreResult, files: Map<string, string>) {
  return {
    config: r.config, complete: r.complete, depthDone: r.depthDone, distinct: r.distinct, expanded: r.expanded, transitions: r.transitions, stepsRun: r.stepsRun,
    frontier: r.frontier, refused: r.refused, known: r.known, labels: r.labels,
    findings: r.findings.map((t) => ({ invariant: t.found?.invariant ?? '', steps: t.steps.length, file: files.get(JSON.stringify(t.steps)) ?? '' })),
  };
}

/** The one-line claim a run supports. */
export function claimOf(scope: string, depth: number, rs: readonly ExploreResult[]): string {
  const distinct = rs.reduce((n, r) => n + r.distinct, 0);
  const bad = rs.reduce((n, r) => n + r.findings.length, 0);
  if (rs.every((r) => r.complete)) {
    if (bad === 0) return `no violation in any trace of ≤ ${depth} steps in scope ${scope}: ${distinct} distinct states${rs.some((r) => Object.keys(r.known).length) ? ' (known kernel findings aside)' : ''}`;
    return `${bad} violation signature(s) in traces of ≤ ${depth} steps in scope ${scope} (each counterexample is a shortest one): ${distinct} distinct states`;
  }
  const done = Math.min(...rs.map((r) => r.depthDone));
  return `stopped by the budget: every trace of ≤ ${done} steps in scope ${scope} explored (${distinct} distinct states), depth ${done + 1}..${depth} only in part${bad ? `; ${bad} violation signature(s)` : ''}`;
}

interface ExploreFlags { scope: string; depth: string; time?: string; bugs?: string; out?: string; iddfs?: boolean; printScope?: boolean; json?: boolean; workers: string }

async function exploreAction(flags: ExploreFlags, io: Io, signal?: AbortSignal): Promise<number> {
  const scope = loadScope(flags.scope);
  if (flags.printScope) { io.out(JSON.stringify(scope.file, null, 2)); return EXIT.clean; }
  const depth = parsePositiveInt(flags.depth, '--depth');
  const workers = parsePositiveInt(flags.workers, '--workers');
  if (workers > 1 && flags.iddfs) throw new UsageError('--workers', 'splits a breadth-first frontier: not with --iddfs');
  if (workers > os.cpus().length) io.err(`warning: --workers ${workers} is more than this machine's ${os.cpus().length} cores`);
  const seconds = flags.time !== undefined ? parseDuration(flags.time) : null;
  const bugs = flags.bugs !== undefined ? parseBugList(flags.bugs) : null;
  if (bugs) parseBugs(bugs, '--bugs');
  const configs: Config[] = scope.configs.map((c) => (bugs ? { ...c, bugs } : c));
  const outDir = ensureWritableDir(flags.out ?? path.join('reports', 'out', `explore-${scope.name}-${depth}`));
  const say = flags.json ? io.err : io.out;
  say(`s2check explore: scope ${scope.name} (${scope.alphabet.length} steps in its alphabet, ${configs.length} config(s)), depth ${depth}, ${flags.iddfs ? 'iterative deepening' : 'breadth-first'}${seconds !== null ? `, budget ${seconds} s` : ''}, out ${outDir}`);
  const lock = lockDir(outDir);
  const t0 = performance.now();
  const deadlineMs = seconds === null ? null : Date.now() + seconds * 1000;
  const results: ExploreResult[] = [];
  const rates: number[] = [];
  try {
    for (const config of configs) {
      // Worker threads load ts-node first (seconds): the rate counts from when they are ready.
      const pool = workers > 1 ? await startPool(scope, config, workers, deadlineMs) : null;
      const c0 = performance.now();
      let r: ExploreResult;
      try {
        r = await explore({ scope, config, depth, deadlineMs, signal, iddfs: flags.iddfs, expander: pool?.expand });
      } finally {
        await pool?.close();
      }
      results.push(r);
      const secs = (performance.now() - c0) / 1000;
      rates.push(r.distinct / Math.max(secs, 1e-3));
      say(`config ${configText(config as TraceConfig, [])}: ${r.distinct} distinct states, ${r.transitions} transitions, ${r.expanded} expanded in ${secs.toFixed(1)} s (${Math.round(r.distinct / Math.max(secs, 1e-3))} states/s, ${workers} worker(s)); new states per depth ${r.frontier.join(', ')}${r.refused ? `; ${r.refused} refused by trace rules` : ''}${Object.keys(r.known).length ? `; known kernel findings ${JSON.stringify(r.known)}` : ''}`);
      if (!r.complete) break;
    }
    const seconds_ = (performance.now() - t0) / 1000;
    const set = new FindingSet();
    for (const r of results) for (const t of r.findings) set.add(t);
    const findings = findingsOf(set);
    const files = new Map(findings.map((f) => [JSON.stringify(f.trace.steps), f.entry.file]));
    const transitions = results.reduce((n, r) => n + r.transitions, 0);
    const stepsRun = results.reduce((n, r) => n + r.stepsRun, 0);
    const complete = results.length === configs.length && results.every((r) => r.complete);
    const stop: Summary['stop'] = complete ? 'runs' : signal?.aborted ? 'signal' : 'time';
    const summary: Summary = {
      format: SUMMARY_FORMAT, run: path.basename(outDir), config: configs[0] as TraceConfig, drawnConfig: [], seed: 0, shards: ['0/1'], workers: 1,
      stop, interrupted: stop === 'signal', seconds: seconds_, runs: transitions, steps: stepsRun,
      stepsPerSecond: seconds_ > 0 ? stepsRun / seconds_ : 0, runsPerSecond: seconds_ > 0 ? transitions / seconds_ : 0,
      invariantChecks: {}, generator: genJson(emptyGenCounts()), findings: findings.map((f) => f.entry),
    };
    writeReport(outDir, summary, findings, describeFinding);
    const claim = claimOf(scope.name, depth, results);
    const report = { format: 's2check-explore/1', scope: scope.file, depth, mode: flags.iddfs ? 'iddfs' : 'bfs', workers, seconds: seconds_, claim,
      results: results.map((r, i) => ({ ...resultJson(r, files), statesPerSecond: Math.round(rates[i]) })) };
    writeAtomic(path.join(outDir, 'explore.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (flags.json) io.out(JSON.stringify(report, null, 2));
    else {
      for (const f of findings) io.out(`${f.entry.known ? 'KNOWN' : 'VIOLATION'} ${f.entry.signature}: ${f.entry.steps} steps (shortest), ${path.relative(process.cwd(), path.join(outDir, f.entry.file))}`);
      io.out(claim);
    }
    return newFindingsOf(findings.map((f) => f.entry)).length > 0 ? EXIT.found : EXIT.clean;
  } finally {
    lock.release();
  }
}

/** Parse `argv` (without node and script) and run; resolves to the exit code (0 no violation, 1 violations, 2 bad input). */
export async function exploreMain(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('explore'), io)
      .description('Explore every trace of up to --depth steps in a finite scope, model and impl side by side with every check; states deduplicated by a canonical fingerprint.')
      .option('--scope <name|file>', `the scope: ${Object.keys(SCOPES).join(', ')}, or a FILE.json (see --print-scope)`, 'tiny')
      .option('--depth <k>', 'longest trace explored', '6')
      .option('--time <duration>', 'budget: the run says how far it got when it ends')
      .option('--bugs <a,b>', 'enable historical behaviours (impl/bugs.ts) in every config of the scope')
      .option('--iddfs', 'iterative deepening depth-first instead of breadth-first')
      .option('--workers <n>', 'threads sharing each breadth-first frontier (this one included)', '1')
      .option('--out <dir>', 'report directory (default reports/out/explore-<scope>-<depth>)')
      .option('--print-scope', 'print the scope as a scope file and exit')
      .option('--json', 'print explore.json')
      .allowExcessArguments(false)
      .action(async (flags: ExploreFlags) => { code = await exploreAction(flags, io, signal); });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

if (require.main === module) {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  runAsScript((argv, io) => exploreMain(argv, io, ac.signal));
}
