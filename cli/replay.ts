/** `npm run replay -- trace.json`: run a trace step by step on model and impl, show outcomes, the failing step's maplet diff and violated invariant, check every expect. */
import { Command } from 'commander';
import type { Maplet } from '../model/types';
import { newWorld } from '../properties/runner/executors';
import { runTrace, type RunResult } from '../properties/runner/runner';
import { decodeStep, type Trace } from '../properties/trace';
import { applyStepWithState } from './stateLines';
import { loadConfig, parseBugList, readTraceFile, UsageError } from './args';
import { argsText, outcomeRows } from './describe';
import { viewOf, viewsAround } from './engine';
import { configure, EXIT, guard, runAsScript, type Io } from './io';
import { verdictText } from '../properties/replay';
import { catchesKernelFinding } from '../reports/kernelFindings';

interface ReplayFlags { bugs?: string; config?: string; step?: boolean; quiet?: boolean }

const hex = (n: number): string => `0x${n.toString(16)}`;
const mapletText = (m: Maplet): string =>
  `${hex(m.ipa).padEnd(14)} ${hex(m.size).padEnd(10)} -> ${hex(m.pa).padEnd(12)} ${m.perms.r ? 'r' : '-'}${m.perms.w ? 'w' : '-'}${m.perms.x ? 'x' : '-'} ${m.memtype.padEnd(6)} leaf ${hex(m.leafSize)}${m.af ? '' : ' old'}`;

/** Lines removed (`-`) and added (`+`) between two maplet lists. */
export function mapletDiff(before: readonly Maplet[], after: readonly Maplet[]): string[] {
  const a = new Set(before.map(mapletText));
  const b = new Set(after.map(mapletText));
  return [...[...a].filter((x) => !b.has(x)).map((x) => `- ${x}`), ...[...b].filter((x) => !a.has(x)).map((x) => `+ ${x}`)];
}

function loadTrace(file: string, flags: ReplayFlags): Trace {
  const trace = readTraceFile(file);
  let config = flags.config ? loadConfig(flags.config, trace.config) : trace.config;
  if (flags.bugs !== undefined) config = { ...config, bugs: parseBugList(flags.bugs) };
  return { ...trace, config };
}

function printSteps(io: Io, trace: Trace, r: RunResult, flags: ReplayFlags): void {
  const w = flags.step ? newWorld(trace.config) : null;
  for (const row of outcomeRows(trace, r)) {
    const mark = row.bad ? '!!' : '  ';
    io.out(`${mark} #${String(row.index).padEnd(3)} ${row.op} ${row.args}`);
    io.out(`         model: ${row.model.padEnd(28)} impl: ${row.impl}${row.note ? `   <- ${row.note}` : ''}`);
    if (w) {
      const state = applyStepWithState(w, decodeStep(trace.steps[row.index]));
      const v = viewOf(w);
      io.out(`         slots: ${v.slots.map((s) => `${s.id}@${hex(s.gpa)}+${hex(s.size)}${s.flags.length ? `(${s.flags.join('|')})` : ''}`).join(' ') || '(none)'}`);
      for (const m of v.maplets) io.out(`         ${mapletText(m)}`);
      for (const l of state) io.out(`         ${l}`);
    }
  }
}

function printFailure(io: Io, trace: Trace, r: RunResult): void {
  const v = r.violations[0];
  if (!v) return;
  const { before, after } = viewsAround(trace, v.step);
  io.out(`\nVIOLATION ${v.invariant} at step ${v.step} (${trace.steps[v.step].op} ${argsText(trace.steps[v.step])})`);
  io.out(v.message);
  if (v.expected !== undefined || v.actual !== undefined) io.out(`  expected: ${v.expected ?? '-'}\n  actual:   ${v.actual ?? '-'}`);
  // Every other check that fails at the same step (the finding is named by the first, the most specific).
  for (const o of r.violations.filter((x) => x.step === v.step && x !== v)) io.out(`also at step ${v.step}: ${o.invariant}: ${o.message.split('\n')[0]}`);
  const diff = mapletDiff(before.maplets, after.maplets);
  io.out(`maplet diff of step ${v.step} (impl stage 2, before -> after):`);
  for (const l of diff.length ? diff : ['  (no change)']) io.out(`  ${l}`);
}

async function replayAction(file: string, flags: ReplayFlags, io: Io): Promise<number> {
  const trace = loadTrace(file, flags);
  const r = runTrace(trace);
  if (r.error) throw new UsageError(`steps[${r.error.step}]`, r.error.message);
  if (!flags.quiet) printSteps(io, trace, r, flags);
  printFailure(io, trace, r);
  for (const e of r.expectFailures) io.out(`EXPECT FAILED at step ${e.step}: ${e.message}`);
  const v = r.violations[0];
  const f = trace.found;
  if (f && v && !r.violations.some((x) => x.step === f.step && x.invariant === f.invariant)) io.out(`note: the trace records ${f.invariant} at step ${f.step}; this replay finds ${v.invariant} at step ${v.step}`);
  if (f?.cause?.length) io.out(`cause: historical bug ${f.cause.join(', ')} (with it switched off the trace runs clean to step ${f.step})`);
  if (v?.known !== undefined) io.out(`known kernel finding ${v.known}: the impl takes its registered path at step ${v.step} (reports/kernelFindings.ts)`);
  else if (v !== undefined && trace.config.bugs.length === 0 && catchesKernelFinding(v.invariant)) io.out(`note: ${v.invariant} also catches a registered kernel finding, but the impl did not take that finding's path here: this is a new finding`);
  const bad = r.violations.length > 0 || r.expectFailures.length > 0;
  io.out(bad
    ? `FAIL: ${v ? verdictText({ kind: 'violation', ...v }) : ''}${v && r.expectFailures.length ? '; ' : ''}${r.expectFailures.length ? `${r.expectFailures.length} expect(s) failed` : ''}`
    : `PASS: ${r.outcomes.length} steps, no violation, every expect holds`);
  return bad ? EXIT.found : EXIT.clean;
}

/** Parse `argv` and replay; resolves to the exit code (0 clean, 1 violation or failed expect, 2 bad input). */
export async function replayMain(argv: string[], io: Io): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('replay'), io)
      .description('Replay an s2check-trace/1 file on model and impl, step by step; check every expect.')
      .argument('<trace.json...>', 'trace files (- for standard input), replayed one after the other')
      .option('--bugs <a,b>', 'what-if: replace config.bugs')
      .option('--config <file.json>', 'what-if: merge this config over the trace\'s (e.g. {"cmoPolicy":"proposal2021"})')
      .option('--step', 'print the memslots and the impl\'s stage 2 after every step')
      .option('--quiet', 'print only the failure and the verdict')
      .action(async (files: string[], flags: ReplayFlags) => {
        for (const file of files) {
          if (files.length > 1) io.out(`== ${file}`);
          code = Math.max(code, await replayAction(file, flags, io));
        }
      });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

if (require.main === module) runAsScript(replayMain);
