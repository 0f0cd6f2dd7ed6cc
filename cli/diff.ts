/** `npm run diff`: every guest-visible difference between two configurations, each with a minimal trace; `diff explain FILE` replays one under both. */
import * as path from 'path';
import { Command } from 'commander';
import { DEFAULT_CONFIG, type Config } from '../model/types';
import { configsOf } from '../properties/diff/search';
import { runDiff, type DiffClass } from '../properties/diff/run';
import { contextOf, DIFF_KEYS, differingKey, keyText, newSide, stepSide, type Observation } from '../properties/diff/observe';
import { genForBugs } from '../properties/runner/mutants';
import { applyStep, newWorld } from '../properties/runner/executors';
import { runTrace } from '../properties/runner/runner';
import { DRAWN_KEYS } from '../properties/steps/config';
import { decodeStep, type Trace, type TraceConfig } from '../properties/trace';
import { diffHash, writeDiffReport, type DiffItem, type DiffSummary } from '../reports/diffReport';
import { configText } from '../reports/configText';
import { argsText } from './describe';
import { viewOf } from './engine';
import { ensureWritableDir, loadConfigOverride, lockDir, parseDuration, parsePositiveInt, parseSeed, readTraceFile, UsageError } from './args';
import { configure, EXIT, guard, runAsScript, type Io } from './io';

const DEFAULT_SECONDS = 60;
const DEFAULT_SEED = 1;

/** An observation as one line: the keys it defines (outcome first). */
export function observationText(step: Parameters<typeof keyText>[0], o: Observation): string {
  return DIFF_KEYS.filter((k) => o[k] !== undefined).map((k) => (k === 'outcome' ? keyText(step, k, o) : `${k} ${keyText(step, k, o)}`)).join(', ');
}

/** Whether the impl agrees with its own model on `trace` under `config`: `agrees`, or the first violation. */
function specVerdict(trace: Trace, config: Config): string {
  const r = runTrace({ ...trace, config: config as TraceConfig, steps: trace.steps.map(({ expect: _e, ...s }) => s) as Trace['steps'], difference: undefined }, { validate: false });
  const v = r.violations[0];
  return r.error ? `error at step ${r.error.step}` : v ? `${v.invariant} at step ${v.step}` : 'agrees';
}

/** The summary entry and pictures of one class. */
function itemOf(c: DiffClass, sides: { a: Partial<TraceConfig>; b: Partial<TraceConfig> }): DiffItem {
  const d = c.trace.difference;
  if (!d) throw new RangeError('diff class without difference');
  const { a, b } = configsOf(c.trace.config as Config, sides);
  const after = (cfg: Config) => {
    const w = newWorld(cfg);
    for (let i = 0; i <= d.step; i++) applyStep(w, decodeStep(c.trace.steps[i]));
    return viewOf(w);
  };
  const st = decodeStep(c.trace.steps[d.step]);
  const hash = diffHash(c.cls);
  return {
    entry: {
      class: c.cls, hash, file: `diff-${hash}.json`, hits: c.hits, step: d.step, steps: c.trace.steps.length,
      a: observationText(st, c.trace.steps[d.step].expect ?? {}), b: observationText(st, d.resultB), specA: specVerdict(c.trace, a), specB: specVerdict(c.trace, b),
    },
    trace: c.trace,
    detail: { viewA: after(a), viewB: after(b), highlight: 'ipa' in st ? st.ipa : null },
  };
}

interface DiffFlags { a?: string; b?: string; time?: string; runs?: string; seed?: string; out?: string; maxSteps: string; json?: boolean }

async function diffAction(flags: DiffFlags, io: Io, signal?: AbortSignal): Promise<number> {
  if (flags.a === undefined) throw new UsageError('--a', 'required: configuration A, e.g. --a \'{"cmoPolicy":"mainline"}\' (inline JSON or a file)');
  if (flags.b === undefined) throw new UsageError('--b', 'required: configuration B, e.g. --b \'{"cmoPolicy":"proposal2021"}\' (inline JSON or a file)');
  const sides = { a: loadConfigOverride(flags.a, '--a'), b: loadConfigOverride(flags.b, '--b') };
  for (const k of ['granule'] as const) {
    if (sides.a[k] !== sides.b[k] && (sides.a[k] !== undefined || sides.b[k] !== undefined)) throw new UsageError('--b', `${k} must be the same under A and B (a trace's addresses are laid out for one ${k})`);
  }
  const seconds = flags.time !== undefined ? parseDuration(flags.time) : flags.runs === undefined ? DEFAULT_SECONDS : null;
  const runs = flags.runs !== undefined ? parsePositiveInt(flags.runs, '--runs') : null;
  const seed = flags.seed !== undefined ? parseSeed(flags.seed) : DEFAULT_SEED;
  const maxSteps = parsePositiveInt(flags.maxSteps, '--max-steps');
  const pinned = new Set([...Object.keys(sides.a), ...Object.keys(sides.b)]);
  const draw = DRAWN_KEYS.filter((k) => !pinned.has(k));
  const config = { ...DEFAULT_CONFIG, bugs: [], ...sides.a } as Config;
  const bugs = [...new Set([...(sides.a.bugs ?? []), ...(sides.b.bugs ?? [])])];
  const outDir = ensureWritableDir(flags.out ?? path.join('reports', 'out', `diff-${seed}`));
  const banner = `s2check diff: A ${JSON.stringify(sides.a)} vs B ${JSON.stringify(sides.b)}, config ${configText(config as TraceConfig, draw)}, seed ${seed}, budget ${seconds !== null ? `${seconds} s` : `${runs} runs`}, out ${outDir}`;
  (flags.json ? io.err : io.out)(banner);
  const lock = lockDir(outDir);
  let summary: DiffSummary;
  try {
    const r = await runDiff({ sides, config, draw, gen: genForBugs(bugs), seed, runs, seconds, maxSteps, signal });
    if (r.runs === 0) throw new UsageError(r.stop === 'signal' ? 'signal' : '--time', 'the budget ended before any trace was compared: nothing was checked');
    const items = r.classes.map((c) => itemOf(c, sides));
    summary = {
      format: 's2check-diff/1', a: sides.a, b: sides.b, config: config as TraceConfig, drawnConfig: [...draw], seed, stop: r.stop, runs: r.runs, steps: r.steps,
      incomparable: r.incomparable, classes: items.map((i) => i.entry), agreed: Object.fromEntries(Object.entries(r.agreed).sort(([x], [y]) => (x < y ? -1 : 1))),
    };
    writeDiffReport(outDir, summary, items);
    if (flags.json) io.out(JSON.stringify(summary, null, 2));
    else {
      io.out(`${r.runs} runs, ${r.steps} steps in ${r.seconds.toFixed(1)} s, stopped by ${r.stop}; ${summary.classes.length} difference class(es), ${Object.keys(summary.agreed).length} class(es) exercised without a difference`);
      for (const c of summary.classes) io.out(`DIFFERENCE ${c.class}  (${c.hits} hit(s), ${c.steps} steps; A: ${c.a} | B: ${c.b}; spec A ${c.specA}, B ${c.specB})  ${path.relative(process.cwd(), path.join(outDir, c.file))}`);
      io.out(`report: ${path.relative(process.cwd(), path.join(outDir, 'summary.html'))}`);
    }
  } finally {
    lock.release();
  }
  return summary.classes.length > 0 ? EXIT.found : EXIT.clean;
}

/** `diff explain FILE`: the trace under A and under B, step by step, the first difference marked. */
function explainAction(file: string, io: Io): number {
  const trace = readTraceFile(file);
  const d = trace.difference;
  if (!d) throw new UsageError('difference', `${file} has no "difference" (write one with npm run diff)`);
  const { a, b } = configsOf(trace.config as Config, { a: d.a, b: d.b });
  io.out(`A: ${JSON.stringify(d.a)}   B: ${JSON.stringify(d.b)}   (recorded class: ${d.class})`);
  io.out(`config under A: ${configText(a as TraceConfig, [])}`);
  io.out(`config under B: ${configText(b as TraceConfig, [])}`);
  const sa = newSide(a), sb = newSide(b);
  for (let i = 0; i < trace.steps.length; i++) {
    const step = decodeStep(trace.steps[i]);
    const ctx = contextOf(sa, step);
    const oa = stepSide(sa, step), ob = stepSide(sb, step);
    const k = differingKey(step, oa, ob);
    io.out(`${k ? '!!' : '  '} #${i}  ${trace.steps[i].op} ${argsText(trace.steps[i])}${ctx ? `  [${ctx}]` : ''}`);
    io.out(`        A: ${observationText(step, oa)}`);
    io.out(`        B: ${observationText(step, ob)}`);
    if (k) {
      io.out(`\nDIFFERENCE at step ${i}: ${k} ${keyText(step, k, oa)} under A, ${keyText(step, k, ob)} under B`);
      io.out(`impl vs its specification: A ${specVerdict(trace, a)}, B ${specVerdict(trace, b)}`);
      return EXIT.found;
    }
  }
  io.out('\nno difference on replay: every step agrees under A and B');
  return EXIT.clean;
}

/** Parse `argv` (without node and script) and run; resolves to the exit code (0 no difference, 1 differences, 2 bad input). */
export async function diffMain(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('diff'), io)
      .enablePositionalOptions()
      .description('List every guest-visible difference between configurations A and B (traces run under both), each with a minimal trace; exit 1 when there is one.')
      .option('--a <json|file>', 'configuration A: config keys merged over each trace\'s, e.g. {"cmoPolicy":"mainline"}')
      .option('--b <json|file>', 'configuration B, e.g. {"cmoPolicy":"proposal2021"} or {"bugs":["ro-device-writable"]}')
      .option('--time <duration>', `time budget: 30s, 10m (default ${DEFAULT_SECONDS}s when --runs is not given)`)
      .option('--runs <n>', 'run budget (deterministic: same seed, same report)')
      .option('--seed <n>', `seed (default ${DEFAULT_SEED})`)
      .option('--max-steps <n>', 'steps per generated trace', '40')
      .option('--out <dir>', 'report directory (default reports/out/diff-<seed>)')
      .option('--json', 'print the summary as JSON')
      .allowExcessArguments(false)
      .action(async (flags: DiffFlags) => { code = await diffAction(flags, io, signal); });
    configure(program.command('explain'), io)
      .description('Replay a difference trace under A and under B, step by step.')
      .argument('<trace.json>', 'a diff-<hash>.json written by npm run diff')
      .allowExcessArguments(false)
      .action((file: string) => { code = explainAction(file, io); });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

if (require.main === module) {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  runAsScript((argv, io) => diffMain(argv, io, ac.signal));
}
