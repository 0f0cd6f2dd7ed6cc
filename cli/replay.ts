/** `npm run replay -- trace.json`: run a trace step by step on model and impl, show outcomes, the failing step's maplet diff and violated invariant, check every expect. */
import { Command } from 'commander';
import type { Maplet } from '../model/types';
import { applyStep, newWorld } from '../properties/runner/executors';
import { runTrace, type RunResult } from '../properties/runner/runner';
import { decodeStep, type Step, type Trace } from '../properties/trace';
import { syndromeOf } from '../model/arch/esr';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../impl/effects';
import type { World } from '../properties/runner/executors';
import { loadConfig, parseBugList, readTraceFile, UsageError } from './args';
import { argsText, outcomeRows } from './describe';
import { viewOf, viewsAround } from './engine';
import { configure, EXIT, guard, runAsScript, type Io } from './io';

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

/**
 * What a stage-2 finding needs beside the maplets, after a step: the MMU-notifier state, each
 * split fault in flight (the seq it sampled, the pfn it resolved), and for an access the ESR a
 * fault of its kind reports and the host PTE behind its IPA.
 */
export function stateLines(w: World, step: Step): string[] {
  const n = w.impl.kvm.notifier;
  const out = [`notifier: mmu_invalidate_seq ${n.seq}, in progress ${n.inProgress}${n.range ? `, gfns [${hex(n.range.start)}, ${hex(n.range.end)})` : ''}`];
  for (const vcpu of [0, 1, 2, 3]) {
    const f = w.impl.kvm.pendingFault(vcpu);
    if (f) out.push(`vcpu ${vcpu} fault in flight at ${hex(f.ipa)}: sampled seq ${f.mmuSeq}${f.mmuSeq !== n.seq ? ' (stale: the notifier moved since)' : ''}, resolved pfn ${hex(f.pfn)} ${f.writable ? 'writable' : 'read-only'}`);
  }
  if (step.op === 'access' || step.op === 'faultBegin') {
    const syn = syndromeOf(step.kind, false);
    out.push(`ESR of a ${step.kind} fault: ${syn.isIabt ? 'instruction' : 'data'} abort, ISV ${syn.isv ? 1 : 0}${syn.isv ? ` (len ${syn.len})` : ''}, WnR ${syn.wnr ? 1 : 0}, S1PTW ${syn.s1ptw ? 1 : 0}, CM ${syn.cm ? 1 : 0}`);
    const slot = [...w.model.kvm.memslots.values()].find((s) => step.ipa >= s.gpa && step.ipa < s.gpa + s.size);
    if (slot) {
      const hva = slot.hva + (step.ipa - slot.gpa);
      const pte = w.impl.host.pte(hva);
      out.push(`host: hva ${hex(hva)} ${pte ? `-> pfn ${hex(pte.pfn)} ${pte.writable ? 'rw' : 'r'} (host leaf ${hex(pte.size)})` : 'not present'}`);
    }
  }
  return out;
}

const MAINT_SHOWN = 8;

/** The step's TLB and cache maintenance in order, and how many descriptors and tables it wrote; null when it did nothing. */
export function maintenanceLine(events: readonly EffectEvent[]): string | null {
  const parts: string[] = [];
  let stores = 0, allocs = 0, frees = 0;
  for (const e of events) {
    if (e.op === 'pteStore') stores++;
    else if (e.op === 'tableAlloc') allocs++;
    else if (e.op === 'tableFree') frees++;
    else if (e.op === 'tlbiIpa') parts.push(`TLBI IPA ${hex(e.ipa)} ${e.level === TLBI_LEVEL_UNKNOWN ? 'level ?' : `L${e.level}`}`);
    else if (e.op === 'tlbiRange') parts.push(`TLBI range ${hex(e.ipa)}+${hex(e.size)}`);
    else if (e.op === 'tlbiVmid') parts.push('TLBI VMID');
    else if (e.op === 'dcacheCleanInvalPoc') parts.push(`DC CIVAC pa ${hex(e.pa)}+${hex(e.size)}`);
    else parts.push(`IC IVAU pa ${hex(e.pa)}+${hex(e.size)}`);
  }
  if (parts.length === 0 && stores + allocs + frees === 0) return null;
  const shown = parts.length > MAINT_SHOWN ? [...parts.slice(0, MAINT_SHOWN), `… ${parts.length - MAINT_SHOWN} more`] : parts;
  return `effects: ${stores} descriptor store(s), ${allocs} table(s) allocated, ${frees} freed${shown.length ? `; ${shown.join('; ')}` : '; no TLB or cache maintenance'}`;
}

function printSteps(io: Io, trace: Trace, r: RunResult, flags: ReplayFlags): void {
  const w = flags.step ? newWorld(trace.config) : null;
  for (const row of outcomeRows(trace, r)) {
    const mark = row.bad ? '!!' : '  ';
    io.out(`${mark} #${String(row.index).padEnd(3)} ${row.op} ${row.args}`);
    io.out(`         model: ${row.model.padEnd(28)} impl: ${row.impl}${row.note ? `   <- ${row.note}` : ''}`);
    if (w) {
      const mark = w.impl.kvm.effects.events.length;
      applyStep(w, decodeStep(trace.steps[row.index]));
      const ev = w.impl.kvm.effects.events.slice(mark);
      const v = viewOf(w);
      io.out(`         slots: ${v.slots.map((s) => `${s.id}@${hex(s.gpa)}+${hex(s.size)}${s.flags.length ? `(${s.flags.join('|')})` : ''}`).join(' ') || '(none)'}`);
      for (const m of v.maplets) io.out(`         ${mapletText(m)}`);
      for (const l of stateLines(w, decodeStep(trace.steps[row.index]))) io.out(`         ${l}`);
      const m = maintenanceLine(ev);
      if (m) io.out(`         ${m}`);
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
  if (trace.found && v && v.invariant !== trace.found.invariant) io.out(`note: the trace records ${trace.found.invariant}; this replay finds ${v.invariant}`);
  const bad = r.violations.length > 0 || r.expectFailures.length > 0;
  io.out(bad
    ? `FAIL: ${v ? `${v.invariant} at step ${v.step}` : ''}${v && r.expectFailures.length ? '; ' : ''}${r.expectFailures.length ? `${r.expectFailures.length} expect(s) failed` : ''}`
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
