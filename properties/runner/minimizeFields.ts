/**
 * Shrinking below the step level: fast-check removes steps and shrinks what the generator drew,
 * but a finding can still carry fields it does not need (a `uffd`, a `pgprot`, an `s1`) or sizes
 * larger than it needs. This greedy pass tries, step by step, to drop each optional field and to
 * halve each size, then to move whole windows of addresses down (moveAddresses.ts), keeping an
 * edit only while the same finding (`sameFinding`) recurs, and cuts the trace after its failing
 * step each time.
 */
import type { ImplVariant } from '../../impl/variants';
import { decodeStep, encodeStep, parseTrace, type Step, type Trace } from '../trace';
import { attributeFailure, type Attributed } from './attribution';
import { runTrace } from './runner';
import { addressMoves } from './moveAddresses';

/** Fields a step may lose (each optional in the schema), per op. */
const OPTIONAL: Partial<Record<Step['op'], readonly string[]>> = {
  mmap: ['uffd', 'allowAnyUncached', 'pgprot', 'hugeSize'],
  access: ['s1'],
  faultBegin: ['s1'],
};

/** Sizes that may shrink (halved while page aligned and positive). */
const SIZES: Partial<Record<Step['op'], readonly string[]>> = {
  mmap: ['size'], setMemslot: ['size'], munmap: ['size'], mprotect: ['size'], madviseDontneed: ['size'],
  invalidateBegin: ['size'], age: ['size'], testAge: ['size'], ioremap: ['size'], setOwner: ['size'],
};

/** The attributed failure of `trace` on model and impl, or null (also when the edit made it invalid). */
function failing(trace: Trace, implVariant?: ImplVariant): Attributed | null {
  try {
    const t = parseTrace(trace);
    const steps = t.steps.map(decodeStep);
    return attributeFailure(t.config, steps, runTrace(t, { validate: false, implVariant }), implVariant);
  } catch {
    return null;
  }
}

/** Edits of step `s`, smallest first: drop one optional field, or halve one size. */
function edits(s: Step, page: number): Step[] {
  const out: Step[] = [];
  const rec = s as unknown as Record<string, unknown>;
  for (const k of OPTIONAL[s.op] ?? []) {
    if (rec[k] === undefined) continue;
    const { [k]: _drop, ...rest } = rec;
    out.push(rest as unknown as Step);
  }
  for (const k of SIZES[s.op] ?? []) {
    const v = rec[k];
    if (typeof v === 'number' && v > page && (v / 2) % page === 0) out.push({ ...rec, [k]: v / 2 } as unknown as Step);
  }
  return out;
}

/**
 * Minimise the fields of `trace` (a finding that fails at `found.step` with `found.invariant`) while
 * `sameFinding(failure, failing step's op)` holds, within `budget` re-runs. Returns the smaller
 * trace (cut after its failing step), with `found.step` updated; the input when nothing helped.
 */
export function minimizeFields(trace: Trace, sameFinding: (f: Attributed, op: string) => boolean, opts: { implVariant?: ImplVariant; budget?: number } = {}): Trace {
  if (!trace.found) return trace;
  let best = trace;
  let budget = opts.budget ?? 200;
  const page = trace.config.granule;
  for (let progress = true; progress && budget > 0;) {
    progress = false;
    for (let i = 0; i < best.steps.length && budget > 0; i++) {
      for (const e of edits(decodeStep(best.steps[i]), page)) {
        if (budget-- <= 0) break;
        const steps = best.steps.map((s, j) => (j === i ? { ...encodeStep(e), ...(s.expect ? { expect: s.expect } : {}) } : s));
        const cand: Trace = { ...best, steps };
        const f = failing(cand, opts.implVariant);
        if (!f || !sameFinding(f, decodeStep(cand.steps[f.step]).op)) continue;
        best = accept(best, cand, f);
        progress = true;
        break;
      }
    }
    // Then whole windows of addresses, toward the lowest aligned ones (hand-written traces with `expect` keep theirs).
    if (progress || best.steps.some((s) => s.expect)) continue;
    for (const moved of addressMoves(best.steps.map(decodeStep), page)) {
      if (budget-- <= 0) break;
      const cand: Trace = { ...best, steps: moved.map(encodeStep) };
      const f = failing(cand, opts.implVariant);
      if (!f || !sameFinding(f, decodeStep(cand.steps[f.step]).op)) continue;
      best = accept(best, cand, f);
      progress = true;
      break;
    }
  }
  return best;
}

/** `cand` cut after its failing step, its `found` updated to the step and message the candidate fails with. */
function accept(best: Trace, cand: Trace, f: Attributed): Trace {
  const found = best.found ? { ...best.found, step: f.step, message: f.message.split('\n')[0] } : undefined;
  return { ...cand, steps: cand.steps.slice(0, f.step + 1), ...(found ? { found } : {}) };
}
