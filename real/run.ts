/**
 * Run traces on a real arm64 kernel under QEMU and compare every observable step with the model:
 * executability check, the model's predictions, one boot per batch, per-step verdicts.
 */
import { S2InputError, type Outcome } from '../model/types';
import { KERNEL_PROFILES, profileEntries, type KernelProfile, type ProfileEntryId } from '../model/kernelProfiles';
import { runTrace } from '../properties/runner/runner';
import { kernelFindingById, type KernelFinding } from '../reports/kernelFindings';
import type { ImplVariant } from '../impl/variants';
import { decodeStep, type Step, type Trace } from '../properties/trace';
import { initramfs, runnerBinary } from './build';
import { encodeBatch, isWalkerWrite, layoutOf, notExecutable } from './encode';
import { GuestMemory } from './guestMemory';
import type { Kernel } from './kernels';
import { difference, expectDifference, loadCheck, loadDifference, notObservable, observed, outcomeText, UNOBSERVABLE_EXPECT_KEYS, type Observed, type RealStep } from './observe';
import { boot, CPUS } from './qemu';

/** One step's verdict. */
export interface StepVerdict {
  readonly step: number;
  readonly op: string;
  /**
   * `kernel finding`: the model (specification) and the real kernel differ, the impl (the kernel as
   * s2check reads it) does what the real kernel does, and the side-by-side run flags a registered
   * kernel finding (reports/kernelFindings.ts) by this step: a known deviation, now seen on a real
   * kernel. `explained by profile`: the real kernel does what the impl does under this kernel's
   * profile (model/kernelProfiles.ts; `note` names the entries): a feature the version lacks, or a
   * deviation registered for that version. `differ`: anything else where model and real kernel
   * disagree: the shared reading is wrong.
   */
  readonly status: 'agree' | 'kernel finding' | 'explained by profile' | 'differ' | 'not observable';
  readonly model: string;
  readonly impl: string;
  readonly real: string;
  /** Why it differs, or why it is not observable. */
  readonly note?: string;
  /** A failed `expect` on an observable key. */
  readonly expect?: string;
  /** Stage-2 aborts of an access step: the impl's count and the real kernel's (tracefs kvm:kvm_guest_fault), where traced. */
  readonly faults?: { readonly impl: number; readonly real: number };
  /** A load's value: what the host's page holds there by real/guestMemory.ts, and what the guest read. */
  readonly loaded?: { readonly expected: string; readonly real: string };
}

/** One trace's result. */
export interface TraceVerdict {
  readonly name: string;
  readonly status: 'agree' | 'kernel finding' | 'explained by profile' | 'differ' | 'not executable' | 'error';
  readonly why?: string;
  readonly steps: readonly StepVerdict[];
  /** Expect keys present in the trace that this kernel cannot show (counted, never passed). */
  readonly unobservedExpects: number;
}

export interface RealRun {
  readonly kernel: string;
  readonly release: string;
  /** The kernel profile the release maps to (its major.minor), which explains differences; mainline when none fits. */
  readonly profile: KernelProfile;
  readonly cpu: string;
  readonly seconds: number;
  readonly traces: readonly TraceVerdict[];
}

export interface RealOptions {
  readonly kernel: Kernel;
  readonly cpu: string;
  /** The watchdog: a boot that prints nothing for this long (ms) is killed. @defaultValue 60000 */
  readonly silenceMs?: number;
  /** Test-only: predict with this impl variant (impl/variants.ts), to show the fault-count comparison can fail. */
  readonly implVariant?: ImplVariant;
}

/** Why this trace cannot run with this CPU (its config must describe the emulated hardware), or null. */
function cpuMismatch(trace: Trace, cpu: string): string | null {
  const { config } = trace;
  const c = CPUS[cpu];
  const walkerWrite = trace.steps.findIndex((s) => isWalkerWrite(decodeStep(s)));
  if (c && !c.hafdbs && walkerWrite >= 0) {
    return `steps[${walkerWrite}] s1ptw_write: --cpu ${cpu} has no FEAT_HAFDBS (hardware Access flag updates); use --cpu ${Object.keys(CPUS).filter((k) => CPUS[k].hafdbs).join(' or ')}`;
  }
  if (c && c.fwb !== config.fwb) {
    const fit = Object.keys(CPUS).filter((k) => CPUS[k].fwb === config.fwb);
    return `config.fwb ${config.fwb} does not match --cpu ${cpu} (FWB ${c.fwb}); use --cpu ${fit.join(' or ')}`;
  }
  if (config.dic) return 'config.dic true: no QEMU CPU model offers CTR_EL0.DIC';
  return null;
}

type Prediction = { outcome: Outcome; dirty?: readonly number[] };

/**
 * The model's and the impl's outcome (and dirty list) for each step, run side by side on the trace
 * as this platform executes it: a step the kernel never sees here (a CMO under TCG) is applied to
 * neither, so its effects (a page mapped, a dirty bit) cannot make later steps differ; it is
 * reported as not observable. Null for such a step.
 */
export function predict(trace: Trace, implVariant?: ImplVariant): ({ model: Prediction; impl: Prediction; implFaults: number; finding?: KernelFinding } | null)[] {
  const kept = trace.steps.map((s) => notObservable(decodeStep(s)) === null);
  // The impl as mainline (no historical bug switched on), every invariant checked at every step.
  const projected: Trace = {
    format: trace.format, config: { ...trace.config, bugs: [] },
    steps: trace.steps.filter((_, i) => kept[i]).map(({ expect: _e, ...s }) => s) as Trace['steps'],
  };
  // The stage-2 aborts the impl handled at each step (what the kernel's kvm:kvm_guest_fault counts).
  const aborts: number[] = [];
  let before = 0;
  // The runner's vCPUs share QEMU's one CPU: a switch between them flushes the TLB (kvm_arch_vcpu_load).
  const run = runTrace(projected, { collectAll: true, oneHostCpu: true, ...(implVariant ? { implVariant } : {}), afterStep: (i, w) => {
    const n = w.impl.kvm.stage2Aborts;
    aborts[i] = n - before;
    before = n;
  } });
  if (run.error) throw new Error(`the model cannot run this trace: steps[${run.error.step}] ${run.error.message}`);
  let j = 0;
  let finding: KernelFinding | undefined;
  return kept.map((k) => {
    if (!k) return null;
    const step = j++;
    for (const v of run.violations) if (v.step === step) finding ??= kernelFindingById(v.known);
    const r = run.outcomes[step];
    if (!r.model) throw new Error('the model has no result for a step the real kernel runs');
    return { model: r.model, impl: r.impl, implFaults: aborts[step] ?? 0, ...(finding ? { finding } : {}) };
  });
}

/**
 * The value each step's load reads by real/guestMemory.ts, over the steps the kernel sees: a
 * number, null when not known, undefined for a step that is no load the model completes.
 */
export function predictLoads(trace: Trace): (number | null | undefined)[] {
  const layout = layoutOf(trace);
  const mem = layout ? new GuestMemory(trace.config, layout.window) : null;
  return trace.steps.map((s) => {
    const d = decodeStep(s);
    if (mem === null || notObservable(d) !== null) return undefined;
    mem.step(d);
    return mem.lastLoad;
  });
}

const predictionText = (p: Prediction): string => outcomeText(p.outcome) + (p.dirty ? ` [${p.dirty.join(',')}]` : '');

type Predicted = ReturnType<typeof predict>;

/** The kernel profile of a booted release (`uname -r`, e.g. 6.12.118+deb12-cloud-arm64 → 6.12); mainline when none fits. */
export function profileOfRelease(release: string): KernelProfile {
  const m = /^(\d+\.\d+)\./.exec(release);
  return m && (KERNEL_PROFILES as readonly string[]).includes(m[1]) ? (m[1] as KernelProfile) : 'mainline';
}

/** The impl's predictions under `profile` (the kernel as it is at that version), computed only when needed. */
function profilePredictor(trace: Trace, profile: KernelProfile): () => Predicted | null {
  let cached: Predicted | null | undefined;
  return () => {
    if (cached === undefined) cached = profile === 'mainline' ? null : predict({ ...trace, config: { ...trace.config, kernel: profile } });
    return cached;
  };
}

/** Could this profile entry change what the trace's step `i` does? (Which entries a difference can be blamed on.) */
const RELEVANT: Record<ProfileEntryId, (steps: readonly Step[], i: number) => boolean> = {
  'no-allow-any-uncached': (steps, i) => steps[i].op === 'access' && steps.some((s) => s.op === 'mmap' && s.allowAnyUncached === true),
  'no-pfnmap-vma-block': (steps, i) => steps[i].op === 'access' && steps.some((s) => s.op === 'mmap' && s.kind === 'pfnmap'),
  'no-cacheable-pfnmap': (steps, i) => (steps[i].op === 'access' || steps[i].op === 'setMemslot') && steps.some((s) => s.op === 'mmap' && s.kind === 'pfnmap' && s.pgprot === 'normal'),
  'collapse-hole-einval': (steps, i) => steps[i].op === 'thpCollapse' && steps.some((s) => s.op === 'mmap' && s.kind === 'anon' && s.uffd === true),
  'shmem-collapse-uffd-hole-ok': (steps, i) => steps[i].op === 'thpCollapse' && steps.some((s) => s.op === 'mmap' && s.kind === 'file' && s.uffd === true),
  // Which VMAs a range is made of: MADV_COLLAPSE's suitability, and the splits and merges later steps see.
  'mmap-merge-next-first': (steps, i) => (steps[i].op === 'thpCollapse' || steps[i].op === 'access') && steps.filter((s) => s.op === 'mmap' && s.kind === 'anon').length >= 2,
  // A copy of the zero page (a VMM store, or a guest write KVM faults in) mapped at once: later accesses fault less, CMOs log less.
  'change-pte-maps-cow-page': (steps, i) => ['access', 'getDirtyLog', 'clearDirtyLog'].includes(steps[i].op) && steps.some((s) => s.op === 'mmap' && s.kind === 'anon')
    && steps.slice(0, i).some((s) => s.op === 'vmmWrite' || s.op === 'access'),
  'pfnmap-prot-none-livelock': (steps, i) => steps[i].op === 'access' && steps.some((s) => s.op === 'mmap' && s.kind === 'pfnmap')
    && steps.some((s) => (s.op === 'mmap' || s.op === 'mprotect') && s.prot === 'none'),
};

/** The profile entries that can explain a difference at step `i`, described; empty when none. */
const explaining = (profile: KernelProfile, steps: readonly Step[], i: number): string =>
  profileEntries(profile).filter((e) => RELEVANT[e.id](steps, i))
    .map((e) => `${e.id} (${e.kind === 'deviation' ? `a deviation from the specification on this version: ${e.what}` : `${e.kind}: ${e.source}`})`).join('; ');

/** What every step of one trace is compared against. */
interface Comparison {
  readonly trace: Trace;
  readonly decoded: readonly Step[];
  readonly predicted: Predicted;
  readonly loads: readonly (number | null | undefined)[];
  readonly profile: KernelProfile;
  /** The impl's predictions under the booted kernel's profile, computed on first use. */
  readonly underProfile: () => Predicted | null;
}

/** The outcome (and dirty list): null when it agrees, else the difference and what accounts for it. */
function outcomeCheck(c: Comparison, i: number, p: NonNullable<Predicted[number]>, real: Observed): { diff: string; note: string; status: StepVerdict['status'] } | null {
  const diff = difference(p.model, real);
  if (diff === null) return null;
  // A registered kernel finding explains a difference only when the impl does what the real kernel did.
  const known = difference(p.impl, real) === null ? p.finding : undefined;
  if (known) return { diff, note: `${diff}: kernel finding ${known.id}, the impl does the same`, status: 'kernel finding' };
  const pp = c.underProfile()?.[i];
  const byProfile = pp && difference(pp.impl, real) === null ? explaining(c.profile, c.decoded, i) : '';
  if (byProfile) return { diff, note: `${diff}: explained by kernel profile ${c.profile}: ${byProfile}`, status: 'explained by profile' };
  return { diff, note: `${diff}; impl ${predictionText(p.impl)}`, status: 'differ' };
}

/**
 * Stage-2 aborts (tracefs): the impl, the kernel as s2check reads it, must take as many as the real
 * one. Not for a CAS: TCG probes an atomic's page for reading first, so an unmapped page takes a
 * read fault and then a write permission fault where the hardware the impl models reports one
 * write fault (WnR set). Two vCPUs are compared too: they share QEMU's one CPU, which predict()
 * tells the impl (KvmImpl.oneHostCpu). Undefined when not counted.
 */
function faultCheck(c: Comparison, i: number, p: NonNullable<Predicted[number]>, line: RealStep, outcomeAgrees: boolean): { counts: { impl: number; real: number }; note?: string; byProfile: boolean } | undefined {
  const step = c.decoded[i];
  if (line.f === undefined || (step.op === 'access' && step.kind === 'cas')) return undefined;
  const counts = { impl: p.implFaults, real: line.f };
  // Compared only where the outcome agrees (another outcome takes other faults); elsewhere the counts are shown.
  if (line.f === p.implFaults || !outcomeAgrees) return { counts, byProfile: false };
  const faults = `stage-2 faults: impl ${p.implFaults}, real kernel ${line.f}${line.fa?.length ? ` (at ${line.fa.join(', ')})` : ''}`;
  // The impl under this kernel's profile taking the real kernel's number of faults explains a fault difference too.
  const pf = c.underProfile()?.[i];
  const byProfile = pf && pf.implFaults === line.f ? explaining(c.profile, c.decoded, i) : '';
  return { counts, note: byProfile ? `${faults}: explained by kernel profile ${c.profile}: ${byProfile}` : faults, byProfile: byProfile !== '' };
}

/** One step's verdict: its outcome, then (where that agrees) its fault count and the value a load read, and its expect. */
function compareStep(c: Comparison, i: number, line: RealStep | undefined): StepVerdict {
  const step = c.decoded[i];
  const p = c.predicted[i];
  const hidden = notObservable(step);
  if (hidden || p === null) return { step: i, op: step.op, status: 'not observable', model: 'not applied', impl: 'not applied', real: line?.k ?? 'nothing', note: hidden ?? 'not observable' };
  const base = { step: i, op: step.op, model: predictionText(p.model), impl: predictionText(p.impl) };
  if (!line) return { ...base, status: 'differ', real: 'nothing', note: 'the runner printed no result for this step' };
  const real = observed(step, line);
  const ex = c.trace.steps[i].expect;
  const exDiff = ex ? expectDifference(ex, real) : null;
  const verdict = { ...base, real: 'other' in real ? real.other : predictionText(real), ...(exDiff ? { expect: exDiff } : {}) };
  const outcome = outcomeCheck(c, i, p, real);
  const faults = faultCheck(c, i, p, line, outcome === null);
  const counted = faults ? { faults: faults.counts } : {};
  if (outcome) return { ...verdict, status: outcome.status, note: outcome.note, ...counted };
  // The data a load read must be the host page's: a guest left on a stale frame reads something else.
  const loaded = loadCheck(c.loads[i], line);
  const data = loaded ? loadDifference(loaded) : null;
  const status = data !== null || (faults?.note !== undefined && !faults.byProfile) ? 'differ' : faults?.note !== undefined ? 'explained by profile' : 'agree';
  const note = data ?? faults?.note;
  return { ...verdict, status, ...(note ? { note } : {}), ...counted, ...(loaded ? { loaded } : {}) };
}

function compareTrace(name: string, trace: Trace, predicted: Predicted, lines: readonly RealStep[] | undefined, err: string | undefined, profile: KernelProfile,
  loads: readonly (number | null | undefined)[]): TraceVerdict {
  const unobservedExpects = trace.steps.reduce((n, s) => n + UNOBSERVABLE_EXPECT_KEYS.filter((k) => s.expect?.[k] !== undefined).length, 0);
  if (err !== undefined || lines === undefined) return { name, status: 'error', why: err ?? 'the runner printed nothing for this trace', steps: [], unobservedExpects };
  const c: Comparison = { trace, decoded: trace.steps.map(decodeStep), predicted, loads, profile, underProfile: profilePredictor(trace, profile) };
  const steps = trace.steps.map((_, i) => compareStep(c, i, lines[i]));
  const bad = steps.some((s) => s.status === 'differ' || s.expect !== undefined);
  const known = steps.some((s) => s.status === 'kernel finding');
  const byProfile = steps.some((s) => s.status === 'explained by profile');
  return { name, status: bad ? 'differ' : known ? 'kernel finding' : byProfile ? 'explained by profile' : 'agree', steps, unobservedExpects };
}

/** Why a trace will not run here (not executable, or its config does not fit the CPU), or null. */
export function refusal(trace: Trace, cpu: string): string | null {
  const ne = notExecutable(trace);
  if (ne) return ne.step < 0 ? ne.why : `steps[${ne.step}] ${ne.why}`;
  return cpuMismatch(trace, cpu);
}

/** Run `items` on the real kernel: the executable ones in one boot, the others listed with their reason. */
export async function runOnReal(items: readonly { name: string; trace: Trace }[], opts: RealOptions): Promise<RealRun> {
  const verdicts: (TraceVerdict | undefined)[] = items.map(() => undefined);
  const batch: { index: number; trace: Trace }[] = [];
  items.forEach(({ name, trace }, index) => {
    const why = refusal(trace, opts.cpu);
    if (why) verdicts[index] = { name, status: 'not executable', why, steps: [], unobservedExpects: 0 };
    else batch.push({ index, trace });
  });
  let release = 'not booted';
  let seconds = 0;
  if (batch.length > 0) {
    const booting = boot({ image: opts.kernel.image, initrd: initramfs(runnerBinary(), encodeBatch(batch)), cpu: opts.cpu, silenceMs: opts.silenceMs });
    // The predictions do not depend on the kernel: compute them while QEMU runs.
    const predictions = new Map(batch.map(({ index, trace }) => [index, predict(trace, opts.implVariant)]));
    const loads = new Map(batch.map(({ index, trace }) => [index, predictLoads(trace)]));
    const result = await booting;
    seconds = result.seconds;
    const perTrace = new Map<number, RealStep[]>();
    const errs = new Map<number, string>();
    let fatal: string | undefined;
    for (const l of result.lines) {
      let o: { t?: string; i?: number; s?: number; err?: string; kernel?: string; what?: string; errno?: string } & RealStep;
      try { o = JSON.parse(l) as typeof o; } catch { continue; }
      if (o.t === 'start') release = o.kernel ?? release;
      else if (o.t === 'fatal') fatal = `runner: ${o.what} (${o.errno})`;
      else if (o.t === 'trace' && o.i !== undefined) { perTrace.set(o.i, []); if (o.err) errs.set(o.i, o.err); }
      else if (o.t === 'step' && o.i !== undefined && o.s !== undefined) (perTrace.get(o.i) ?? []) [o.s] = o;
      else if (o.t === 'faults' && o.i !== undefined && o.s !== undefined) {
        const at = perTrace.get(o.i);
        const st = at?.[o.s];
        if (at && st) at[o.s] = { ...st, f: o.n, fa: o.fa };
      }
    }
    const ended = result.lines.some((l) => l.startsWith('{"t":"end"'));
    const why = fatal ?? (result.watchdog ? `QEMU printed nothing for ${(opts.silenceMs ?? 60_000) / 1000} s: killed by the watchdog`
      : ended ? undefined : `the boot ended without the runner finishing (QEMU exit ${result.exitCode})`);
    for (const { index, trace } of batch) {
      const err = errs.get(index) ?? (perTrace.has(index) ? undefined : why);
      verdicts[index] = compareTrace(items[index].name, trace, predictions.get(index) ?? predict(trace, opts.implVariant), perTrace.get(index), err, profileOfRelease(release),
        loads.get(index) ?? []);
    }
    if (why && !verdicts.some((v) => v?.status === 'agree' || v?.status === 'differ' || v?.status === 'kernel finding' || v?.status === 'explained by profile')) {
      // Nothing ran: the kernel or QEMU is unusable (a hang, a crash, not an arm64 Image): one line, exit 2.
      throw new S2InputError('kernel', `${why} (booting ${opts.kernel.label})`);
    }
  }
  return { kernel: opts.kernel.label, release, profile: profileOfRelease(release), cpu: opts.cpu, seconds, traces: verdicts.map((v, i) => v ?? { name: items[i].name, status: 'error', why: 'no verdict', steps: [], unobservedExpects: 0 }) };
}
