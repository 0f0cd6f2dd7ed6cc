/**
 * Run traces on a real arm64 kernel under QEMU and compare every observable step with the model:
 * executability check, the model's predictions, one boot per batch, per-step verdicts.
 */
import type { Outcome } from '../model/types';
import { KERNEL_PROFILES, profileEntries, type KernelProfile, type ProfileEntryId } from '../model/kernelProfiles';
import { runTrace } from '../properties/runner/runner';
import { kernelFindingById, type KernelFinding } from '../reports/kernelFindings';
import type { ImplVariant } from '../impl/variants';
import { decodeStep, type Step, type Trace } from '../properties/trace';
import { initramfs, runnerBinary } from './build';
import { encodeBatch, isWalkerWrite, layoutOf, notExecutable } from './encode';
import { GuestMemory } from './guestMemory';
import type { Kernel } from './kernels';
import { difference, expectDifference, loadCheck, loadDifference, notObservable, observed, outcomeText, UNOBSERVABLE_EXPECT_KEYS, type RealStep } from './observe';
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
  'pfnmap-prot-none-livelock': (steps, i) => steps[i].op === 'access' && steps.some((s) => s.op === 'mmap' && s.kind === 'pfnmap')
    && steps.some((s) => (s.op === 'mmap' || s.op === 'mprotect') && s.prot === 'none'),
};

/** The profile entries that can explain a difference at step `i`, described; empty when none. */
const explaining = (profile: KernelProfile, steps: readonly Step[], i: number): string =>
  profileEntries(profile).filter((e) => RELEVANT[e.id](steps, i))
    .map((e) => `${e.id} (${e.kind === 'deviation' ? `a deviation from the specification on this version: ${e.what}` : `${e.kind}: ${e.source}`})`).join('; ');

function compareTrace(name: string, trace: Trace, predicted: Predicted, lines: readonly RealStep[] | undefined, err: string | undefined, profile: KernelProfile,
  loads: readonly (number | null | undefined)[]): TraceVerdict {
  const underProfile = profilePredictor(trace, profile);
  const decoded = trace.steps.map(decodeStep);
  const unobservedExpects = trace.steps.reduce((n, s) => n + UNOBSERVABLE_EXPECT_KEYS.filter((k) => s.expect?.[k] !== undefined).length, 0);
  if (err !== undefined || lines === undefined) return { name, status: 'error', why: err ?? 'the runner printed nothing for this trace', steps: [], unobservedExpects };
  const steps: StepVerdict[] = [];
  for (let i = 0; i < trace.steps.length; i++) {
    const step = decoded[i];
    const line = lines[i];
    const p = predicted[i];
    const hidden = notObservable(step);
    if (hidden || p === null) {
      steps.push({ step: i, op: step.op, status: 'not observable', model: 'not applied', impl: 'not applied', real: line?.k ?? 'nothing', note: hidden ?? 'not observable' });
      continue;
    }
    const modelText = predictionText(p.model);
    const implText = predictionText(p.impl);
    if (!line) {
      steps.push({ step: i, op: step.op, status: 'differ', model: modelText, impl: implText, real: 'nothing', note: 'the runner printed no result for this step' });
      continue;
    }
    const real = observed(step, line);
    const realText = 'other' in real ? real.other : predictionText(real);
    const diff = difference(p.model, real);
    // A registered kernel finding explains a difference only when the impl does what the real kernel did.
    const known = difference(p.impl, real) === null ? p.finding : undefined;
    const pp = diff !== null && !known ? underProfile()?.[i] : undefined;
    const byProfile = pp && difference(pp.impl, real) === null ? explaining(profile, decoded, i) : '';
    // Stage-2 aborts (tracefs): the impl, the kernel as s2check reads it, must take as many as the real one.
    // Not for a CAS: TCG probes an atomic's page for reading first, so an unmapped page takes a read fault and then a
    // write permission fault where the hardware the impl models reports one write fault (WnR set). Two vCPUs are
    // compared too: they share QEMU's one CPU, which predict() tells the impl (KvmImpl.oneHostCpu).
    const counted = line.f !== undefined && !(step.op === 'access' && step.kind === 'cas');
    const faults = diff === null && counted && line.f !== p.implFaults
      ? `stage-2 faults: impl ${p.implFaults}, real kernel ${line.f}${line.fa?.length ? ` (at ${line.fa.join(', ')})` : ''}` : null;
    // The impl under this kernel's profile taking the real kernel's number of faults explains a fault difference too.
    const pf = faults !== null ? underProfile()?.[i] : undefined;
    const faultsByProfile = pf && pf.implFaults === line.f ? explaining(profile, decoded, i) : '';
    // The data a load read must be the host page's: a guest left on a stale frame reads something else.
    const loaded = diff === null ? loadCheck(loads[i], line) : undefined;
    const data = loaded ? loadDifference(loaded) : null;
    const status = diff === null ? (data !== null ? 'differ' : faults === null ? 'agree' : faultsByProfile ? 'explained by profile' : 'differ')
      : known ? 'kernel finding' : byProfile ? 'explained by profile' : 'differ';
    const ex = trace.steps[i].expect;
    const exDiff = ex ? expectDifference(ex, real) : null;
    steps.push({ step: i, op: step.op, status, model: modelText, impl: implText, real: realText,
      ...(faults ? { note: faultsByProfile ? `${faults}: explained by kernel profile ${profile}: ${faultsByProfile}` : faults } : {}),
      ...(counted && line.f !== undefined ? { faults: { impl: p.implFaults, real: line.f } } : {}),
      ...(loaded ? { loaded } : {}), ...(data ? { note: data } : {}),
      ...(diff ? { note: known ? `${diff}: kernel finding ${known.id}, the impl does the same`
        : byProfile ? `${diff}: explained by kernel profile ${profile}: ${byProfile}` : `${diff}; impl ${implText}` } : {}), ...(exDiff ? { expect: exDiff } : {}) });
  }
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
    const why = fatal ?? (result.watchdog ? 'QEMU printed nothing for too long: killed by the watchdog'
      : ended ? undefined : `the boot ended without the runner finishing (QEMU exit ${result.exitCode})`);
    for (const { index, trace } of batch) {
      const err = errs.get(index) ?? (perTrace.has(index) ? undefined : why);
      verdicts[index] = compareTrace(items[index].name, trace, predictions.get(index) ?? predict(trace, opts.implVariant), perTrace.get(index), err, profileOfRelease(release),
        loads.get(index) ?? []);
    }
    if (why && !verdicts.some((v) => v?.status === 'agree' || v?.status === 'differ' || v?.status === 'kernel finding' || v?.status === 'explained by profile')) throw new Error(why);
  }
  return { kernel: opts.kernel.label, release, profile: profileOfRelease(release), cpu: opts.cpu, seconds, traces: verdicts.map((v, i) => v ?? { name: items[i].name, status: 'error', why: 'no verdict', steps: [], unobservedExpects: 0 }) };
}
