/** `npm run real -- setup | run FILES...`: the real arm64 kernel under QEMU as a third executor (real/). */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { resolveKernel } from '../real/kernels';
import { CPUS } from '../real/qemu';
import { refusal, runOnReal, type RealRun, type TraceVerdict } from '../real/run';
import { realFuzz } from '../real/fuzz';
import { exportReproducer } from '../real/export';
import { ensureWritableDir, parseDuration, parsePositiveInt, parseSeed, readTraceFile, UsageError } from './args';
import { configure, EXIT, guard, runAsScript, type Io } from './io';

interface RunFlags { kernel: string; cpu: string; json?: boolean; watchdog: string }
interface FuzzFlags { kernel: string; cpu: string; time: string; seed: string; out?: string; batch: string; workers: string; shrink: boolean; giantPages?: boolean; watchdog: string }

function printTrace(io: Io, t: TraceVerdict): void {
  const shown = t.steps.filter((s) => s.status !== 'not observable').length;
  const hidden = t.steps.length - shown;
  if (t.status === 'not executable' || t.status === 'error') { io.out(`${t.status.toUpperCase()}  ${t.name}: ${t.why}`); return; }
  const label = t.status === 'agree' ? 'agree' : t.status === 'differ' ? 'DIFFER' : t.status.toUpperCase();
  io.out(`${label}  ${t.name}: ${shown} step(s) compared, ${hidden} not observable${t.unobservedExpects ? `, ${t.unobservedExpects} stage-2/memtype expect key(s) not observable` : ''}`);
  for (const s of t.steps) {
    if (s.status === 'differ' || s.status === 'kernel finding' || s.status === 'explained by profile') io.out(`  steps[${s.step}] ${s.op}: ${s.note}`);
    if (s.expect) io.out(`  steps[${s.step}] ${s.op}: ${s.expect}`);
  }
}

async function runAction(files: string[], flags: RunFlags, io: Io): Promise<number> {
  if (files.length === 0) throw new UsageError('FILES', 'give at least one trace file');
  if (!CPUS[flags.cpu]) throw new UsageError('--cpu', `unknown CPU ${flags.cpu} (known: ${Object.keys(CPUS).join(', ')})`);
  const items = files.map((f) => ({ name: f, trace: readTraceFile(f) }));
  const why = items.map((x) => refusal(x.trace, flags.cpu));
  if (why.every((w) => w !== null)) {
    throw new UsageError('FILES', `no given trace is executable on the real kernel (${items[0].name}: ${why[0]})`);
  }
  const silenceMs = parseDuration(flags.watchdog, '--watchdog') * 1000;
  const kernel = resolveKernel(flags.kernel);
  const run: RealRun = await runOnReal(items, { kernel, cpu: flags.cpu, silenceMs });
  if (flags.json) io.out(JSON.stringify(run));
  else {
    io.out(`s2check real: kernel ${run.release} (${run.kernel}; profile ${run.profile}), cpu ${run.cpu}, ${run.seconds.toFixed(1)} s`);
    for (const t of run.traces) printTrace(io, t);
    const count = (s: TraceVerdict['status']) => run.traces.filter((t) => t.status === s).length;
    io.out(`${count('agree')} agree, ${count('kernel finding')} known kernel finding(s), ${count('explained by profile')} explained by the kernel's profile, ${count('differ')} differ, ${count('not executable')} not executable, ${count('error')} error(s)`);
  }
  return run.traces.some((t) => t.status === 'differ' || t.status === 'error') ? EXIT.found : EXIT.clean;
}

async function fuzzAction(flags: FuzzFlags, io: Io): Promise<number> {
  if (!CPUS[flags.cpu]) throw new UsageError('--cpu', `unknown CPU ${flags.cpu} (known: ${Object.keys(CPUS).join(', ')})`);
  const timeMs = parseDuration(flags.time) * 1000;
  const seed = parseSeed(flags.seed);
  const batch = parsePositiveInt(flags.batch, '--batch');
  const workers = parsePositiveInt(flags.workers, '--workers');
  const silenceMs = parseDuration(flags.watchdog, '--watchdog') * 1000;
  if (workers > cpus().length) io.err(`warning: --workers ${workers} is more than this machine's ${cpus().length} cores`);
  const kernel = resolveKernel(flags.kernel);
  const out = ensureWritableDir(flags.out ?? join('reports', 'out', `real-${flags.kernel.replace(/[^0-9A-Za-z.]+/g, '_')}-seed${seed}`));
  const stop = { requested: false };
  const onSignal = (): void => { stop.requested = true; io.err('s2check real fuzz: stopping after this batch'); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.out(`s2check real fuzz: kernel ${kernel.label}, cpu ${flags.cpu}, seed ${seed}, budget ${timeMs / 1000} s, ${batch} traces per boot, out ${out}`);
  try {
    const s = await realFuzz({ kernel, cpu: flags.cpu, seed, timeMs, out, batch, workers, silenceMs, stop, shrink: flags.shrink, giantPages: flags.giantPages === true,
      onBatch: (p) => io.err(`  boot ${p.batches}: ${p.traces} traces, ${p.steps} steps, ${Math.round(p.stepsPerMinute)} steps/min, ${p.differences.length} difference(s)`) });
    io.out(`kernel ${s.release}: ${s.traces} traces, ${s.steps} real-kernel steps in ${s.seconds.toFixed(1)} s (${s.shrinkSeconds.toFixed(1)} s shrinking; ${Math.round(s.stepsPerMinute)} steps/min of fuzzing), ${s.differences.length} difference(s)`);
    for (const d of s.differences) io.out(`${d.known === 'new' ? 'NEW DIFFERENCE' : d.known.toUpperCase()} ${d.signature}: ${d.hits} hit(s), ${d.steps} steps, file ${join(out, d.file)}`);
    io.out(`report: ${join(out, 'summary.md')}`);
    return s.differences.some((d) => d.known === 'new') ? EXIT.found : EXIT.clean;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function setupAction(series: string[], io: Io): number {
  const r = spawnSync(join(__dirname, '..', 'real', 'setup.sh'), series, { stdio: 'inherit' });
  if (r.error) { io.err(`error: real setup: ${r.error.message}`); return EXIT.usage; }
  return r.status === 0 ? EXIT.clean : EXIT.usage;
}

/** Parse `argv` and run; resolves to the exit code (0 all agree, 1 a difference or failed expect, 2 bad input). */
export async function realMain(argv: string[], io: Io): Promise<number> {
  return guard(io, async () => {
    let code: number = EXIT.clean;
    const program = configure(new Command('real'), io).description('The real arm64 kernel under QEMU as a third executor.');
    configure(program.command('setup'), io)
      .description('Install QEMU, the aarch64 cross compiler and Debian\'s arm64 kernels (root or sudo; idempotent).')
      .argument('[series...]', 'kernel series (default: 6.1 6.12)')
      .action((series: string[]) => { code = setupAction(series, io); });
    configure(program.command('run'), io)
      .description('Run traces on the real kernel and compare every observable step with the model.')
      .argument('<files...>', 'trace files')
      .option('--kernel <6.1|6.12|PATH>', 'Debian series from `real setup`, or a path to your own arm64 Image', '6.12')
      .option('--cpu <name>', `QEMU CPU (${Object.keys(CPUS).join(', ')}); max has FWB`, 'max')
      .option('--json', 'one JSON object instead of text')
      .option('--watchdog <duration>', 'kill a boot that prints nothing for this long', '60s')
      .action(async (files: string[], flags: RunFlags) => { code = await runAction(files, flags, io); });
    configure(program.command('export'), io)
      .description('Write one trace as a standalone C reproducer (runner + trace + the specification\'s results as assertions) to stdout.')
      .argument('<file>', 'trace file')
      .action((file: string) => { io.out(exportReproducer(file, readTraceFile(file)).replace(/\n$/, '')); code = EXIT.clean; });
    configure(program.command('fuzz'), io)
      .description('Generated traces (their executable part) on the real kernel, in batches of one boot each; differences shrunk and reported.')
      .option('--kernel <6.1|6.12|PATH>', 'Debian series from `real setup`, or a path to your own arm64 Image', '6.12')
      .option('--cpu <name>', `QEMU CPU (${Object.keys(CPUS).join(', ')})`, 'max')
      .option('--time <duration>', 'budget, e.g. 90s, 5m', '60s')
      .option('--seed <n>', 'seed', '1')
      .option('--batch <n>', 'traces per boot', '300')
      .option('--workers <n>', 'QEMU instances booted at once', '1')
      .option('--watchdog <duration>', 'kill a boot that prints nothing for this long', '60s')
      .option('--out <dir>', 'report directory (default reports/out/real-<kernel>-seed<seed>)')
      .option('--no-shrink', 'keep each new difference cut after its failing step instead of shrinking it on the kernel (throughput runs; known and profile-explained ones are never shrunk)')
      .option('--giant-pages', 'also run generated 1 GiB hugetlb mmaps (left out by default: each first fault zeroes 1 GiB under TCG, about half the throughput)')
      .action(async (flags: FuzzFlags) => { code = await fuzzAction(flags, io); });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  });
}

if (require.main === module) runAsScript(realMain);
