/**
 * Side-by-side runner bench: ns/step with all invariants, time shares (generation, model, impl,
 * invariants), scaling 100 vs 100k mapped pages. Measures the search's own path: generated steps
 * (stepsArbitrary) run by runSteps, as traceProperty does; only saved traces go through hex text.
 */
import * as fc from 'fast-check';
import { runSteps, runTrace } from '../properties/runner/runner';
import { configOf, stepsArbitrary } from '../properties/steps/arbitraries';
import type { Trace } from '../properties/trace/schema';
import { DEFAULT_CONFIG } from '../model/types';
import { registerSuite, timeNs } from './registry';

const clock = (): number => Number(process.hrtime.bigint());
const OPTS = { maxSteps: 150 };
const CONFIG = configOf(OPTS);
const arb = stepsArbitrary(OPTS);
const SAMPLE = fc.sample(arb, { seed: 99, numRuns: 40 });
const STEPS = SAMPLE.reduce((n, t) => n + t.length, 0);
const shares = { model: 0, impl: 0, invariants: 0 };

/** One pass over the sample: what the step case times. */
function runSample(): void {
  for (const t of SAMPLE) runSteps(CONFIG, t);
}

/** Drawing the sample again: what the generation case times. */
function generate(): void {
  fc.sample(arb, { seed: 99, numRuns: 40 });
}

/** `fn` run `rounds` times, untimed, the first time the returned warm-up is called (later calls do nothing). */
function warmOnce(rounds: number, fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (let k = 0; k < rounds; k++) fn();
  };
}

/**
 * JIT warm-up: 60 passes over the sample (~130k steps, 1–2 s). The runner's many small functions
 * reach V8's optimised tiers only after tens of thousands of steps: measured on the 2-core Xeon,
 * after 4 passes the next 12 passes spread 8–20 µs/step, after 20 passes 6.4–9.5, after 60 passes
 * 5.8–6.7. The figure is the steady state a fuzz run lives in (it runs for minutes); the cold
 * passes are start-up cost, not throughput.
 */
const warmUp = warmOnce(60, runSample);
/** Generation's warm-up, likewise: fast-check's arbitraries settle after ~40 samplings (4.7 → 1.0 µs/step at the median). */
const warmGenerate = warmOnce(40, generate);

/** Work steps per scaling run: enough that they, not the (subtracted) set-up, dominate the time. */
const WORK_STEPS = 2000;
const warmedScale = new Set<number>();

/**
 * A world with `pages` pages mapped (2M hugetlb blocks in slot 0) and, with `work`, the same
 * WORK_STEPS steps whatever `pages` is: write faults and 4K MADV_DONTNEED zaps (each unmaps the
 * stage-2 page the previous write mapped) in a separate 2M anon slot. Only the amount mapped
 * differs between sizes, so the ratio measures how much the checks depend on it.
 */
function scaled(pages: number, work: boolean): Trace {
  const M2 = 0x200000;
  const size = Math.max(M2, Math.ceil((pages * 4096) / M2) * M2);
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const WORK_GPA = 0x100_0000_0000 / 4; // 256 GiB: above slot 0 for every size
  const WORK_HVA = 0x7e00_0000_0000;
  const steps: Trace['steps'] = [
    { op: 'mmap', hva: '0x7f0000000000', size: hex(size), prot: 'rw', kind: 'hugetlb', hugeSize: hex(M2) },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: hex(size), hva: '0x7f0000000000', flags: [] },
    { op: 'mmap', hva: hex(WORK_HVA), size: hex(M2), prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 1, gpa: hex(WORK_GPA), size: hex(M2), hva: hex(WORK_HVA), flags: [] },
  ];
  for (let a = 0; a < size; a += M2) steps.push({ op: 'access', vcpu: 0, ipa: hex(0x40000000 + a), kind: 'read' });
  for (let i = 0; work && i < WORK_STEPS; i++) {
    const off = ((Math.floor(i / 2) * 7919) % (M2 / 4096)) * 4096;
    steps.push(i % 2 === 0 ? { op: 'access', vcpu: 0, ipa: hex(WORK_GPA + off), kind: 'write' } : { op: 'madviseDontneed', hva: hex(WORK_HVA + off), size: '0x1000' });
  }
  return { format: 's2check-trace/1', config: { ...DEFAULT_CONFIG }, steps };
}

/** ns per work step at `pages` mapped pages (setup time subtracted). */
const perStepAt = (pages: number): number => {
  const full = scaled(pages, true);
  const setup = scaled(pages, false);
  if (!warmedScale.has(pages)) { warmedScale.add(pages); runTrace(full, { validate: false }); }
  return (timeNs(() => runTrace(full, { validate: false })) - timeNs(() => runTrace(setup, { validate: false }))) / WORK_STEPS;
};

registerSuite({
  name: 'sideBySide',
  cases: [
    { name: 'sideBySide.step', unit: 'ns/op', run: () => { warmUp(); return timeNs(runSample) / STEPS; } },
    { name: 'sideBySide.generate', unit: 'ns/op', run: () => { warmGenerate(); return timeNs(generate) / STEPS; } },
    {
      name: 'sideBySide.checked', unit: 'ns/op', run: () => {
        shares.model = shares.impl = shares.invariants = 0;
        for (const t of SAMPLE) {
          const tm = runSteps(CONFIG, t, { clock }).stats.time;
          if (tm) { shares.model += tm.model; shares.impl += tm.impl; shares.invariants += tm.invariants; }
        }
        return (shares.model + shares.impl + shares.invariants) / STEPS;
      },
    },
    { name: 'sideBySide.at100', unit: 'ns/op', run: () => perStepAt(100), passes: 3 },
    { name: 'sideBySide.at100k', unit: 'ns/op', run: () => perStepAt(100_000), passes: 3 },
  ],
  derive: (m) => {
    const total = m('sideBySide.step') + m('sideBySide.generate');
    const part = shares.model + shares.impl + shares.invariants || 1;
    const exec = m('sideBySide.step');
    return {
      stepsPerSec: 1e9 / total,
      shareGeneration: m('sideBySide.generate') / total,
      shareModel: ((shares.model / part) * exec) / total,
      shareImpl: ((shares.impl / part) * exec) / total,
      shareInvariants: ((shares.invariants / part) * exec) / total,
      scaling100kVs100: m('sideBySide.at100') / m('sideBySide.at100k'),
    };
  },
});
