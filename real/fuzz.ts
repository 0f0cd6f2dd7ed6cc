/**
 * Real-kernel fuzzing: generated traces, cut to their executable part, run in batches (one boot
 * each) and compared with the model; each new difference class is shrunk (batched: every candidate
 * of a round runs in one boot) and written as a trace; the summary is rewritten after every batch.
 */
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { writeAtomic } from '../reports/atomic';
import { traceArbitrary } from '../properties/steps/arbitraries';
import { decodeStep, serialize, type Trace } from '../properties/trace';
import { executablePart, notExecutable } from './encode';
import type { Kernel } from './kernels';
import { CPUS } from './qemu';
import { runOnReal, type RealRun, type TraceVerdict } from './run';

export interface RealFuzzOptions {
  readonly kernel: Kernel;
  readonly cpu: string;
  readonly seed: number;
  /** Budget in ms; batches start while it lasts, the last ones sized to end with it (fitBatch). */
  readonly timeMs: number;
  readonly out: string;
  /** Traces per boot. @defaultValue 300 */
  readonly batch?: number;
  /** Cap of generated body steps per trace (about a third survive as executable). @defaultValue 200 */
  readonly maxSteps?: number;
  /** QEMU instances booted at once. @defaultValue 1 */
  readonly workers?: number;
  /** The watchdog: a boot silent this long (ms) is killed. @defaultValue 60000 */
  readonly silenceMs?: number;
  /** Also run generated 1 GiB hugetlb mmaps (each first fault zeroes 1 GiB: about half the throughput). @defaultValue false */
  readonly giantPages?: boolean;
  /** Shrink each new difference class on the real kernel (false: keep it cut after its failing step, for throughput runs); known and profile-explained classes are only cut. @defaultValue true */
  readonly shrink?: boolean;
  /** Called after each batch (progress). */
  readonly onBatch?: (s: RealFuzzSummary) => void;
  /** Set to stop after the current batch. */
  readonly stop?: { requested: boolean };
}

/** One difference class: its signature, how often, and its shrunk trace. */
export interface RealDifference {
  readonly signature: string;
  /** A registered kernel finding the impl reproduces, a behaviour the kernel's profile explains, or a new difference (the shared reading is wrong). */
  readonly known: DifferenceClass;
  hits: number;
  file: string;
  step: number;
  steps: number;
  model: string;
  real: string;
}

export interface RealFuzzSummary {
  readonly format: 's2check-real-summary/1';
  readonly kernel: string;
  release: string;
  readonly cpu: string;
  readonly seed: number;
  batches: number;
  traces: number;
  steps: number;
  seconds: number;
  /** Of `seconds`, spent shrinking differences (boots of candidate traces). */
  shrinkSeconds: number;
  /** Real-kernel steps per minute of fuzzing (boots, model/impl prediction and comparison included; shrinking not). */
  stepsPerMinute: number;
  readonly workers: number;
  /** Generated steps dropped because the runner cannot execute them. */
  droppedSteps: number;
  stop: 'time' | 'interrupted' | 'running';
  /** Compared steps by op (and access kind) and the kernel's outcome: what "no difference" covers. */
  readonly compared: Record<string, number>;
  /** Steps run but not observable here, by reason. */
  readonly notObservable: Record<string, number>;
  readonly differences: RealDifference[];
}

const SHRINK_ROUNDS = 16;
/** Candidates per shrink round (one boot): a livelocking candidate costs the runner's step timeout. */
const MAX_CANDIDATES = 60;

/** A trace's first differing step as a difference class, with both results as text. */
interface Signature {
  readonly signature: string;
  readonly step: number;
  readonly model: string;
  readonly real: string;
  readonly known: DifferenceClass;
}

/** How a difference is accounted for; `new` fails the run. */
export type DifferenceClass = 'new' | 'known kernel finding' | 'explained by profile';

/** Addresses and numbers stripped: one class per op, access kind and the two outcome kinds. */
function signatureOf(trace: Trace, v: TraceVerdict): Signature | null {
  const d = v.steps.find((s) => s.status === 'differ' || s.status === 'kernel finding' || s.status === 'explained by profile' || s.expect !== undefined);
  if (!d) return null;
  const st = decodeStep(trace.steps[d.step]);
  const kind = st.op === 'access' ? ` ${st.kind}` : st.op === 'mmap' ? ` ${st.kind}` : '';
  const strip = (t: string) => t.replace(/0x[0-9a-f]+/g, 'X').replace(/\[[0-9,]*\]/g, '[..]');
  const tag = d.status === 'kernel finding' ? ` [${/kernel finding ([a-z0-9-]+)/.exec(d.note ?? '')?.[1] ?? 'known'}]`
    : d.status === 'explained by profile' ? ` [profile ${/kernel profile (\S+):/.exec(d.note ?? '')?.[1] ?? '?'}]` : '';
  const known: DifferenceClass = d.status === 'kernel finding' ? 'known kernel finding' : d.status === 'explained by profile' ? 'explained by profile' : 'new';
  // Same outcome, another number of stage-2 faults: the impl's mapping decisions differ from the kernel's.
  const faults = d.faults !== undefined && d.faults.impl !== d.faults.real && d.note?.startsWith('stage-2 faults') === true;
  // Same outcome, a load that read something else than the host's page holds: the guest is on another frame.
  const data = d.loaded !== undefined && d.loaded.expected !== d.loaded.real;
  const what = faults ? `${strip(d.real)}, stage-2 faults impl ${d.faults?.impl} / real ${d.faults?.real}`
    : data ? `${strip(d.real)}, the guest read ${d.loaded?.real === '0x0' ? 'zero' : 'data'} where the host's page holds ${d.loaded?.expected === '0x0' ? 'zero' : 'data'}`
      : `model ${strip(d.model)} / real ${strip(d.real)}`;
  return { signature: `${d.op}${kind}: ${what}${tag}`, step: d.step, model: d.model, real: d.real, known };
}

/** Traces one step shorter (or half as long) than `t`, all ending at its failing step. */
function candidates(t: Trace, fail: number): Trace[] {
  const cut = t.steps.slice(0, fail + 1);
  const out: Trace[] = [];
  const without = (from: number, to: number) => ({ ...t, steps: [...cut.slice(0, from), ...cut.slice(to)] });
  for (let chunk = Math.floor(fail / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let from = 0; from + chunk <= fail; from += chunk) out.push(without(from, from + chunk));
    if (out.length >= MAX_CANDIDATES) break;
  }
  return out.slice(0, MAX_CANDIDATES);
}

/** Shrink `t` (failing at `fail` with `signature`) by rounds of batched candidates on the real kernel. */
async function shrink(t: Trace, first: Signature, opts: RealFuzzOptions): Promise<{ trace: Trace; step: number; model: string; real: string }> {
  const signature = first.signature;
  let best = { ...t, steps: t.steps.slice(0, first.step + 1) };
  let bestFail = first.step;
  let shown = { model: first.model, real: first.real };
  for (let round = 0; round < (opts.shrink === false ? 0 : SHRINK_ROUNDS) && !opts.stop?.requested; round++) {
    const cands = candidates(best, bestFail).filter((c) => notExecutable(c) === null);
    if (cands.length === 0) break;
    const run = await runOnReal(cands.map((c, i) => ({ name: `c${i}`, trace: c })), { kernel: opts.kernel, cpu: opts.cpu, silenceMs: opts.silenceMs });
    let next: { trace: Trace; fail: number } | null = null;
    run.traces.forEach((v, i) => {
      const s = signatureOf(cands[i], v);
      if (!s || s.signature !== signature) return;
      if (!next || s.step < next.fail) {
        next = { trace: cands[i], fail: s.step };
        shown = { model: s.model, real: s.real };
      }
    });
    if (!next) break;
    const n: { trace: Trace; fail: number } = next;
    best = { ...n.trace, steps: n.trace.steps.slice(0, n.fail + 1) };
    bestFail = n.fail;
  }
  return { trace: best, step: bestFail, ...shown };
}

/** Count what a trace's verdict covered. */
function tally(s: RealFuzzSummary, t: Trace, v: TraceVerdict): void {
  for (const st of v.steps) {
    const step = decodeStep(t.steps[st.step]);
    if (st.status === 'not observable') { const k = st.note ?? 'not observable'; s.notObservable[k] = (s.notObservable[k] ?? 0) + 1; continue; }
    const key = `${st.op}${step.op === 'access' ? ` ${step.kind}` : ''} → ${st.real.replace(/\{.*\}|\[.*\]/g, '').trim()}`;
    s.compared[key] = (s.compared[key] ?? 0) + 1;
    const also = [st.faults ? 'stage-2 fault count compared' : '', st.loaded ? `load value compared (the host's page holds ${st.loaded.expected === '0x0' ? 'zero' : 'data'})` : ''];
    for (const k of also) if (k) s.compared[k] = (s.compared[k] ?? 0) + 1;
  }
}

function writeSummary(out: string, s: RealFuzzSummary): void {
  writeAtomic(path.join(out, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
  const rows = s.differences.map((d) => `| ${d.known === 'new' ? '**new**' : d.known} | ${d.signature.replace(/\|/g, '\\|')} | ${d.hits} | ${d.steps} | ${d.step} | ${d.file} |`);
  writeAtomic(path.join(out, 'summary.md'), [
    `# s2check real-kernel fuzz`, '',
    `- kernel ${s.release} (${s.kernel}), cpu ${s.cpu}, seed ${s.seed}`,
    `- stopped by ${s.stop} after ${s.seconds.toFixed(1)} s (${s.shrinkSeconds.toFixed(1)} s of it shrinking): ${s.batches} boot(s) on ${s.workers} QEMU instance(s), ${s.traces} traces, ${s.steps} real-kernel steps (${Math.round(s.stepsPerMinute)} steps/min of fuzzing, boots included); ${s.droppedSteps} generated steps dropped as not executable`,
    `- differences: ${s.differences.length} (${s.differences.filter((d) => d.known === 'new').length} new, ${s.differences.filter((d) => d.known === 'known kernel finding').length} known kernel finding(s) the impl reproduces, ${s.differences.filter((d) => d.known === 'explained by profile').length} explained by the kernel's profile)`, '',
    ...(rows.length ? ['| class | difference (model / real kernel) | hits | steps | failing step | file |', '|---|---|---:|---:|---:|---|', ...rows] : ['No difference: every observable step agreed with the model.']),
    '', '## Compared steps (op, kernel outcome)', '', '| step → outcome | count |', '|---|---:|',
    ...Object.entries(s.compared).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `| ${k} | ${n} |`),
    '', '## Not observable here', '', '| reason | steps |', '|---|---:|',
    ...Object.entries(s.notObservable).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `| ${k} | ${n} |`),
    '', `Run one again: \`npm run real -- run --kernel ${s.kernel.includes('/') ? s.kernel : s.kernel.replace(/^linux-image-(6\.1|6\.12).*$/, '$1')} --cpu ${s.cpu} ${path.join(out, '<file>')}\``, '',
  ].join('\n'));
}

/** Elapsed seconds and steps per minute of fuzzing (shrinking excluded). */
function updateRate(s: RealFuzzSummary, started: number): void {
  s.seconds = (Date.now() - started) / 1000;
  const fuzzing = s.seconds - s.shrinkSeconds;
  s.stepsPerMinute = fuzzing > 0 ? s.steps / fuzzing * 60 : 0;
}

/** Batch `k`: its first `count` generated traces cut to their executable part (dropped steps counted); a shorter batch is a prefix of the full one. */
function generateBatch(arb: fc.Arbitrary<Trace>, opts: RealFuzzOptions, s: RealFuzzSummary, k: number, count: number): { name: string; trace: Trace }[] {
  const items: { name: string; trace: Trace }[] = [];
  for (const [i, g] of fc.sample(arb, { seed: opts.seed + k * 7919, numRuns: count }).entries()) {
    const t = executablePart(g, { giantPages: opts.giantPages ?? false, hafdbs: CPUS[opts.cpu]?.hafdbs ?? true });
    s.droppedSteps += g.steps.length - t.steps.length;
    if (t.steps.length > 0 && notExecutable(t) === null) items.push({ name: `b${k}t${i}`, trace: t });
  }
  return items;
}

/** Traces a batch may not go below: under it a boot costs more than the traces it runs. */
const MIN_BATCH = 20;

/**
 * The size of the next batch: `full` until a batch of that size would overrun the `remainingMs`
 * left, then as many traces as this QEMU ran in that time at its last batch's pace (`perTraceMs`),
 * 0 (stop) when not even MIN_BATCH fit. So a run ends near its budget instead of one whole batch
 * (tens of seconds) past it, and two QEMUs end together.
 */
export function fitBatch(full: number, remainingMs: number, perTraceMs: number | null): number {
  if (perTraceMs === null || perTraceMs <= 0) return full;
  const fits = Math.floor(remainingMs / perTraceMs);
  if (fits >= full) return full;
  return fits >= MIN_BATCH ? fits : 0;
}

/** Fuzz until the budget ends; resolves to the final summary (also on disk in `opts.out`). */
export async function realFuzz(opts: RealFuzzOptions): Promise<RealFuzzSummary> {
  fs.mkdirSync(opts.out, { recursive: true });
  const fwb = CPUS[opts.cpu]?.fwb ?? true;
  const arb = traceArbitrary({
    config: { granule: 4096, fwb, dic: false, protectedVm: false, hwAccessFlag: false },
    draw: ['iaBits', 'nisvToUser', 'cmoPolicy'], maxSteps: opts.maxSteps ?? 200,
  });
  const s: RealFuzzSummary = {
    format: 's2check-real-summary/1', kernel: opts.kernel.label, release: 'not booted', cpu: opts.cpu, seed: opts.seed,
    batches: 0, traces: 0, steps: 0, seconds: 0, shrinkSeconds: 0, stepsPerMinute: 0, workers: opts.workers ?? 1, droppedSteps: 0, stop: 'running', compared: {}, notObservable: {}, differences: [],
  };
  const started = Date.now();
  const bySig = new Map<string, RealDifference>();
  let shrinkMs = 0;
  const workers = opts.workers ?? 1;
  /** Fold one batch's verdicts into the summary; batches are folded in their order k, whatever order they finish in. */
  const fold = async (items: { name: string; trace: Trace }[], run: RealRun): Promise<void> => {
    s.release = run.release;
    s.batches++;
    s.traces += items.length;
    s.steps += items.reduce((n, x) => n + x.trace.steps.length, 0);
    for (const [i, v] of run.traces.entries()) {
      tally(s, items[i].trace, v);
      const sig = signatureOf(items[i].trace, v);
      if (!sig) continue;
      const known = bySig.get(sig.signature);
      if (known) { known.hits++; continue; }
      const t0 = Date.now();
      // Only a new difference is shrunk: a known finding or a profile entry already has its minimal
      // trace, and shrinking costs a boot per round (8 known classes took 7 minutes of a 5-minute run).
      const small = await shrink(items[i].trace, sig, sig.known === 'new' ? opts : { ...opts, shrink: false });
      shrinkMs += Date.now() - t0;
      const file = `difference-${createHash('sha256').update(sig.signature).digest('hex').slice(0, 12)}.json`;
      writeAtomic(path.join(opts.out, file), serialize(small.trace));
      const d: RealDifference = { signature: sig.signature, known: sig.known, hits: 1, file, step: small.step, steps: small.trace.steps.length, model: small.model, real: small.real };
      bySig.set(sig.signature, d);
      s.differences.push(d);
    }
    s.shrinkSeconds = shrinkMs / 1000;
    updateRate(s, started);
    writeSummary(opts.out, s);
    opts.onBatch?.(s);
  };
  // `workers` QEMU instances, each booting its next batch as soon as its last one ends (no barrier
  // between them); batch k always draws the same traces (seed + k), so a run's batches are reproducible.
  let next = 0;
  let folded = 0;
  const finished = new Map<number, { items: { name: string; trace: Trace }[]; run: RealRun }>();
  let folding: Promise<void> = Promise.resolve();
  const drain = async (): Promise<void> => {
    for (let b = finished.get(folded); b !== undefined; b = finished.get(folded)) {
      finished.delete(folded++);
      await fold(b.items, b.run);
    }
  };
  const worker = async (): Promise<void> => {
    let perTraceMs: number | null = null; // this QEMU's last batch: wall ms per generated trace, boot included
    while (Date.now() - started < opts.timeMs && !opts.stop?.requested) {
      const count = fitBatch(opts.batch ?? 300, opts.timeMs - (Date.now() - started), perTraceMs);
      if (count === 0) break;
      const k = next++;
      const t0 = Date.now();
      const items = generateBatch(arb, opts, s, k, count);
      finished.set(k, { items, run: await runOnReal(items, { kernel: opts.kernel, cpu: opts.cpu, silenceMs: opts.silenceMs }) });
      perTraceMs = (Date.now() - t0) / count;
      folding = folding.then(drain);
      await folding;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  await folding;
  s.stop = opts.stop?.requested ? 'interrupted' : 'time';
  updateRate(s, started);
  writeSummary(opts.out, s);
  return s;
}
