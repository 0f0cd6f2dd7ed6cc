/**
 * Bench runner: `npx ts-node --transpile-only bench/index.ts [--json] [--passes N] [--only substr]` (`--help` lists the flags).
 * Loads every bench/*.bench.ts and runs each suite in its own child process (so one suite's heap and
 * JIT state — a 1M-page table, megamorphic walk sites — never slows the next), takes the median of
 * ≥ 5 passes per case, prints a table (or one JSON object with --json) with the machine, the medians
 * and each suite's derived fields. `--suite <name>` runs one suite in this process and prints its
 * results as JSON (what the children do).
 */
import { spawnSync } from 'child_process';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allSuites, median, type BenchCase, type BenchSuite } from './registry';
import { benchSink } from './pgtable.bench';

/** Load every bench/*.bench.ts: each registers its suites (a file that fails to load is reported, not fatal). */
function loadSuites(): string[] {
  const failed: string[] = [];
  const ext = path.extname(__filename);
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith(`.bench${ext}`)).sort()) {
    try {
      require(path.join(__dirname, f)); // eslint-disable-line @typescript-eslint/no-require-imports
    } catch (e) {
      failed.push(`${f}: ${String(e).split('\n')[0]}`);
    }
  }
  return failed;
}

interface CaseResult { median: number; unit: BenchCase['unit']; samples: number[] }
/** What one suite's process reports. */
interface SuiteResult { results: Record<string, CaseResult>; derived: Record<string, number>; sink: number }

interface Args { json: boolean; passes: number; only: string; suite: string | null }

function parsePasses(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 5) throw new InvalidArgumentError(`need an integer ≥ 5, got ${JSON.stringify(text)}`);
  return n;
}

/** The flags (commander): a bad or unknown flag is one line on stderr and exit 2. */
function parseArgs(argv: readonly string[]): Args {
  const program = new Command('bench')
    .description('Benchmarks: medians of ≥ 5 passes per case, one node process per suite.')
    .option('--json', 'print one JSON object instead of the table', false)
    .option('--passes <n>', 'passes per case, at least 5', parsePasses, 7)
    .option('--only <substring>', 'run only the cases whose "suite.case" name contains it', '')
    .option('--suite <name>', 'run one suite in this process and print its results as JSON (what the children do)')
    .exitOverride()
    .showHelpAfterError(false);
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{ json: boolean; passes: number; only: string; suite?: string }>();
  return { json: o.json, passes: o.passes, only: o.only, suite: o.suite ?? null };
}

function runCase(c: BenchCase, passes: number): CaseResult {
  c.run(); // warm-up pass, not counted
  const samples: number[] = [];
  for (let i = 0; i < (c.passes ?? passes); i++) samples.push(c.run());
  return { median: median(samples), unit: c.unit, samples };
}

const selected = (suite: BenchSuite, only: string): BenchCase[] => suite.cases.filter((c) => `${suite.name}.${c.name}`.includes(only));

/** Run one suite's selected cases here; derived fields only when every case ran. */
function runSuite(suite: BenchSuite, args: Args): SuiteResult {
  const results: Record<string, CaseResult> = {};
  const cases = selected(suite, args.only);
  for (const c of cases) results[c.name] = runCase(c, args.passes);
  const derived = cases.length === suite.cases.length ? suite.derive((name) => results[name].median) : {};
  return { results, derived, sink: benchSink() % 2 };
}

/** Run `suite` in a fresh node process (this file with --suite) and read its JSON. */
function runSuiteInChild(suite: BenchSuite, args: Args): SuiteResult {
  const script = __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only', __filename] : [__filename];
  const argv = [...script, '--suite', suite.name, '--passes', String(args.passes), '--only', args.only];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench suite ${suite.name}: child exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout) as SuiteResult;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const failed = loadSuites();
  if (args.suite !== null) {
    const suite = allSuites().find((s) => s.name === args.suite);
    if (!suite) throw new Error(`--suite: no suite named ${args.suite}`);
    console.log(JSON.stringify(runSuite(suite, args)));
    return;
  }
  for (const f of failed) console.error(`bench: could not load ${f}`);
  if (allSuites().every((suite) => selected(suite, args.only).length === 0)) throw new Error(`--only: no case name contains ${JSON.stringify(args.only)}`);
  const results: Record<string, CaseResult> = {};
  const derived: Record<string, number> = {};
  let sink = 0;
  for (const suite of allSuites()) {
    if (selected(suite, args.only).length === 0) continue;
    const r = runSuiteInChild(suite, args);
    Object.assign(results, r.results);
    Object.assign(derived, r.derived);
    sink += r.sink;
  }
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  if (args.json) {
    const cases = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { median: r.median, unit: r.unit, samples: r.samples }]));
    console.log(JSON.stringify({ machine, passes: args.passes, isolation: 'process per suite', ...derived, cases, failedToLoad: failed, sink: sink % 2 }));
    return;
  }
  console.log(`${machine.cpu} × ${machine.cores}, node ${machine.node}, ${machine.platform}; median of ${args.passes} passes, one process per suite`);
  for (const [k, r] of Object.entries(results)) console.log(`${k.padEnd(28)} ${r.median.toPrecision(4).padStart(12)} ${r.unit}`);
  for (const [k, v] of Object.entries(derived)) console.log(`${k.padEnd(28)} ${v.toPrecision(4).padStart(12)}`);
}

try {
  main();
} catch (e) {
  // commander has already printed its one line (or the help); anything else is printed here.
  if (e instanceof CommanderError) process.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.help' ? 0 : 2);
  console.error(`bench: ${(e as Error).message}`);
  process.exit(2);
}
