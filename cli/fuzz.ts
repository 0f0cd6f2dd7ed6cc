/** `npm run fuzz`: time-budgeted, sharded fuzzing with a report; `fuzz merge DIR...` combines shard reports. */
import * as os from 'os';
import * as path from 'path';
import { Command, Option } from 'commander';
import { IMPL_VARIANTS, type ImplVariant } from '../impl/variants';
import { DEFAULT_CONFIG } from '../model/types';
import type { TraceConfig } from '../properties/trace';
import { jestSnippet } from '../reports/jestSnippet';
import { newFindingsOf } from '../reports/writer';
import { DRAWN_KEYS } from '../properties/steps/config';
import { mergeReports } from '../reports/merge';
import { configText } from '../reports/configText';
import { UsageError, ensureWritableDir, lockDir, loadConfigKeys, parseBugList, parseDuration, parsePositiveInt, parseSeed, parseShard } from './args';
import { describeFinding } from './describe';
import { fuzz } from './fuzzRun';
import { configure, EXIT, guard, runAsScript, type Io } from './io';
import { progressBar } from './progress';

/** Seed of a run started without --seed: the same command gives the same findings. */
const DEFAULT_SEED = 1;

/** The default run (no flags): the README's main job, a short mainline run that writes a report. */
export const DEFAULT_SECONDS = 20;

interface FuzzFlags {
  time?: string; runs?: string; seed?: string; bugs?: string; config?: string; shard: string; workers: string; out?: string; json?: boolean; maxSteps: string; implVariant?: string;
}

async function fuzzAction(flags: FuzzFlags, io: Io, signal?: AbortSignal): Promise<number> {
  const seconds = flags.time !== undefined ? parseDuration(flags.time) : flags.runs === undefined ? DEFAULT_SECONDS : null;
  const runs = flags.runs !== undefined ? parsePositiveInt(flags.runs, '--runs') : null;
  const shard = parseShard(flags.shard);
  const workers = parsePositiveInt(flags.workers, '--workers');
  if (workers > os.cpus().length) io.err(`warning: --workers ${workers} is more than this machine's ${os.cpus().length} cores: lanes will share cores`);
  const maxSteps = parsePositiveInt(flags.maxSteps, '--max-steps');
  // No wall clock in results: an unseeded run uses a fixed seed (nightly CI passes a date-derived one).
  const seed = flags.seed !== undefined ? parseSeed(flags.seed) : DEFAULT_SEED;
  const loaded = flags.config ? loadConfigKeys(flags.config) : { config: { ...DEFAULT_CONFIG, bugs: [] }, keys: [] };
  let config: TraceConfig = loaded.config;
  // Each trace draws the config keys --config does not name (granule, iaBits, fwb, ...): --config pins.
  const draw = DRAWN_KEYS.filter((k) => !loaded.keys.includes(k));
  if (flags.bugs !== undefined) config = { ...config, bugs: parseBugList(flags.bugs) };
  const outDir = ensureWritableDir(flags.out ?? path.join('reports', 'out', `fuzz-${seed}-${shard.index}of${shard.count}`));
  const banner = `s2check fuzz: seed ${seed}, shard ${shard.index}/${shard.count}, ${workers} worker(s), config ${configText(config, draw)}, budget ${seconds !== null ? `${seconds} s` : ''}${seconds !== null && runs !== null ? ' or ' : ''}${runs !== null ? `${runs} runs` : ''}, out ${outDir}`;
  if (flags.json) io.err(banner);
  else io.out(banner);
  const bar = flags.json ? progressBar({ ...io, isTTY: false }, 0, 's') : progressBar(io, seconds ?? runs ?? 0, seconds !== null ? 's' : 'runs');
  const implVariant = parseImplVariant(flags.implVariant);
  const lock = lockDir(outDir);
  let r: Awaited<ReturnType<typeof fuzz>>;
  try {
    r = await fuzz({ config, draw, implVariant, seed, shard, workers, seconds, runs, outDir, maxSteps, signal, onProgress: bar.update });
  } finally {
    bar.stop();
    lock.release();
  }
  const s = r.summary;
  // A run that finished nothing must not look like a clean one.
  if (s.runs === 0 && s.stop === 'signal') throw new UsageError('signal', 'interrupted before any run finished: nothing was checked (the report says so)');
  if (s.runs === 0) throw new UsageError('--time', `the budget ended before any run finished (${s.seconds.toFixed(3)} s): nothing was checked; give a longer --time`);
  if (flags.json) io.out(JSON.stringify(s, null, 2));
  else {
    io.out(`${s.runs} runs, ${s.steps} steps in ${s.seconds.toFixed(1)} s (${Math.round(s.stepsPerSecond)} steps/s), stopped by ${s.stop}; ${s.findings.length} finding(s): ${newFindingsOf(s.findings).length} new, ${s.findings.length - newFindingsOf(s.findings).length} known kernel finding(s)`);
    for (const f of r.findings) {
      if (f.entry.known !== undefined) {
        io.out(`\nKNOWN KERNEL FINDING ${f.entry.known} (${f.entry.signature}): ${f.entry.hits} hit(s), ${f.entry.steps} steps, file ${path.relative(process.cwd(), path.join(outDir, f.entry.file))}`);
        continue;
      }
      io.out(`\nFINDING ${f.entry.signature}: ${f.entry.steps} steps, fails at step ${f.entry.step}`);
      io.out(`  replay: npm run replay -- ${path.relative(process.cwd(), path.join(outDir, f.entry.file))}`);
      io.out(`  promote: cp ${path.relative(process.cwd(), path.join(outDir, f.entry.file))} reports/corpus/  — or paste this jest test:\n`);
      io.out(jestSnippet(f.trace));
    }
    io.out(`report: ${path.relative(process.cwd(), path.join(outDir, 'summary.html'))}`);
  }
  return newFindingsOf(s.findings).length > 0 ? EXIT.found : EXIT.clean;
}

function mergeAction(dirs: string[], flags: { out: string; corpus?: string; json?: boolean }, io: Io): number {
  const out = ensureWritableDir(flags.out);
  const r = mergeReports(dirs, out, { corpus: flags.corpus, describe: describeFinding });
  if (flags.corpus === undefined) io.err('note: no --corpus given: every finding counts as new (pass --corpus reports/corpus to compare with the committed corpus)');
  if (flags.json) io.out(JSON.stringify({ ...r.summary, newFindings: r.newFindings }, null, 2));
  else {
    io.out(`merged ${dirs.length} report(s) into ${flags.out}: ${r.summary.runs} runs, ${r.summary.findings.length} finding(s), ${r.newFindings.length} new`);
    for (const n of r.newFindings) io.out(`NEW ${n}`);
  }
  return r.newFindings.length > 0 ? EXIT.found : EXIT.clean;
}

/** `--impl-variant`: a test-only impl variant (impl/variants.ts), or undefined. */
function parseImplVariant(text: string | undefined): ImplVariant | undefined {
  if (text === undefined) return undefined;
  const v = IMPL_VARIANTS.find((x) => x === text);
  if (!v) throw new UsageError('--impl-variant', `unknown variant ${JSON.stringify(text)}; allowed: ${IMPL_VARIANTS.join(', ')}`);
  return v;
}

/** Parse `argv` (without node and script) and run; resolves to the exit code. */
export async function fuzzMain(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('fuzz'), io)
      .enablePositionalOptions()
      .description('Fuzz model vs impl until the budget ends; write reports/out/<run>/summary.{json,md,html} and one shrunk trace per finding.')
      .option('--time <duration>', `time budget: 30s, 10m, 1h (default ${DEFAULT_SECONDS}s when --runs is not given)`)
      .option('--runs <n>', 'run budget (over all workers)')
      .option('--seed <n>', 'base seed; shards and workers derive theirs from it (default: 1)')
      .option('--bugs <a,b>', 'enable historical behaviours (impl/bugs.ts)')
      .option('--config <file.json>', 'pin config keys (a partial config, or a trace whose config to use); keys it does not name are drawn per trace')
      .option('--shard <i/n>', 'this process is shard i of n (0-based)', '0/1')
      .option('--workers <k>', 'worker threads', '1')
      .option('--max-steps <n>', 'steps per generated trace', '100')
      .option('--out <dir>', 'report directory (default reports/out/fuzz-<seed>-<i>of<n>)')
      .option('--json', 'print the summary as JSON')
      .addOption(new Option('--impl-variant <name>', `test-only impl variant (${IMPL_VARIANTS.join(', ')})`).hideHelp())
      .allowExcessArguments(false)
      .action(async (flags: FuzzFlags) => { code = await fuzzAction(flags, io, signal); });
    configure(program.command('merge'), io)
      .description('Combine shard report directories into one, deduplicated; exit 1 when a finding is not in the corpus.')
      .argument('<dirs...>', 'shard report directories')
      .requiredOption('--out <dir>', 'merged report directory')
      .option('--corpus <dir>', 'committed corpus; findings whose signature is there are not new')
      .option('--json', 'print the merged summary as JSON')
      .action((dirs: string[], flags: { out: string; corpus?: string; json?: boolean }) => { code = mergeAction(dirs, flags, io); });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

/** SIGINT / SIGTERM abort the run; the report is still written (atomically). */
function signalController(): AbortController {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return ac;
}

if (require.main === module) {
  const ac = signalController();
  runAsScript((argv, io) => fuzzMain(argv, io, ac.signal));
}
