/**
 * Bench runner: `npx ts-node --transpile-only bench/index.ts [--json] [--passes N] [--only substr]`.
 * Loads every bench/*.bench.ts, runs every registered case in one process, takes the median of ≥ 5 passes, prints a table (or
 * one JSON object with --json) with the machine, the medians and each suite's derived fields.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allSuites, median, type BenchCase } from './registry';
import { benchSink } from './pgtable.bench';

/** Load every bench/*.bench.ts: each registers its suites (a file that fails to load is reported, not fatal). */
function loadSuites(): string[] {
  const failed: string[] = [];
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.bench.ts')).sort()) {
    try {
      require(path.join(__dirname, f)); // eslint-disable-line @typescript-eslint/no-require-imports
    } catch (e) {
      failed.push(`${f}: ${String(e).split('\n')[0]}`);
    }
  }
  return failed;
}

interface CaseResult { median: number; unit: BenchCase['unit']; samples: number[] }

function parseArgs(argv: readonly string[]): { json: boolean; passes: number; only: string } {
  const at = (flag: string): string | undefined => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const passes = Number(at('--passes') ?? 7);
  if (!Number.isInteger(passes) || passes < 5) throw new Error(`--passes: need an integer ≥ 5, got ${at('--passes')}`);
  return { json: argv.includes('--json'), passes, only: at('--only') ?? '' };
}

function runCase(c: BenchCase, passes: number): CaseResult {
  c.run(); // warm-up pass, not counted
  const samples: number[] = [];
  for (let i = 0; i < (c.passes ?? passes); i++) samples.push(c.run());
  return { median: median(samples), unit: c.unit, samples };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const failed = loadSuites();
  for (const f of failed) console.error(`bench: could not load ${f}`);
  const results: Record<string, CaseResult> = {};
  const derived: Record<string, number> = {};
  for (const suite of allSuites()) {
    const cases = suite.cases.filter((c) => `${suite.name}.${c.name}`.includes(args.only));
    for (const c of cases) results[c.name] = runCase(c, args.passes);
    if (cases.length !== suite.cases.length) continue; // derived fields need every case
    Object.assign(derived, suite.derive((name) => results[name].median));
  }
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  if (args.json) {
    const cases = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { median: r.median, unit: r.unit, samples: r.samples }]));
    console.log(JSON.stringify({ machine, passes: args.passes, ...derived, cases, failedToLoad: failed, sink: benchSink() % 2 }));
    return;
  }
  console.log(`${machine.cpu} × ${machine.cores}, node ${machine.node}, ${machine.platform}; median of ${args.passes} passes`);
  for (const [k, r] of Object.entries(results)) console.log(`${k.padEnd(28)} ${r.median.toPrecision(4).padStart(12)} ${r.unit}`);
  for (const [k, v] of Object.entries(derived)) console.log(`${k.padEnd(28)} ${v.toPrecision(4).padStart(12)}`);
}

main();
