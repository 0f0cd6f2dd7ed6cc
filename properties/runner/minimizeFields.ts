/**
 * Shrinking below the step level: fast-check removes steps and shrinks what the generator drew,
 * but a finding can still carry steps the generator could not drop (later steps were drawn from
 * them), fields it does not need (a `uffd`, a `pgprot`, an `s1`) or sizes larger than it needs.
 * This greedy pass tries (policy differences only) to drop one or two whole steps, then, step by step, to drop each optional
 * field and to halve each size, then to move whole windows of addresses down (moveAddresses.ts), keeping an
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

/** Index sets to drop among the first `n` steps: each single one, then each pair (latest first: a late step depends on fewer). */
function* dropSets(n: number): Generator<readonly number[]> {
  for (let i = n - 1; i >= 0; i--) yield [i];
  for (let i = n - 1; i >= 0; i--) for (let j = i - 1; j >= 0; j--) yield [i, j];
}

/** What a candidate trace shows: the step where the same finding recurs (and its message), or null. */
export type Probe = (cand: Trace) => { step: number; message?: string } | null;

/**
 * The field pass with any notion of "the same finding": `probe` says whether an edited candidate
 * still shows it and at which step. Returns the smallest trace found (cut after that step) and the
 * probe's last answer, or null when `trace` itself does not show it. Used by findings
 * (minimizeFields) and by policy differences (properties/diff).
 */
export function shrinkFields(trace: Trace, probe: Probe, budget = 200, dropSteps = false): { trace: Trace; step: number; message?: string } | null {
  const first = probe(trace);
  if (!first) return null;
  let best = { trace: { ...trace, steps: trace.steps.slice(0, first.step + 1) }, ...first };
  const page = trace.config.granule;
  const tryCand = (cand: Trace): boolean => {
    const r = probe(cand);
    if (!r) return false;
    best = { trace: { ...cand, steps: cand.steps.slice(0, r.step + 1) }, ...r };
    return true;
  };
  for (let progress = true; progress && budget > 0;) {
    progress = false;
    const cur = best.trace;
    // With `dropSteps`, first whole steps, one and then two at a time, before the failing one: the
    // generator's own shrinking keeps what later steps were drawn from, a step it cannot drop may not be needed.
    for (const drop of dropSteps ? dropSets(cur.steps.length - 1) : []) {
      if (budget-- <= 0) break;
      if (tryCand({ ...cur, steps: cur.steps.filter((_, j) => !drop.includes(j)) })) { progress = true; break; }
    }
    if (progress) continue;
    for (let i = 0; i < cur.steps.length && budget > 0 && !progress; i++) {
      for (const e of edits(decodeStep(cur.steps[i]), page)) {
        if (budget-- <= 0) break;
        const steps = cur.steps.map((s, j) => (j === i ? { ...encodeStep(e), ...(s.expect ? { expect: s.expect } : {}) } : s));
        if (tryCand({ ...cur, steps })) { progress = true; break; }
      }
    }
    // Then whole windows of addresses, toward the lowest aligned ones (hand-written traces with `expect` keep theirs).
    if (progress || cur.steps.some((s) => s.expect)) continue;
    for (const moved of addressMoves(cur.steps.map(decodeStep), page)) {
      if (budget-- <= 0) break;
      if (tryCand({ ...cur, steps: moved.map(encodeStep) })) { progress = true; break; }
    }
  }
  return best;
}

/**
 * Minimise the fields of `trace` (a finding that fails at `found.step` with `found.invariant`) while
 * `sameFinding(failure, failing step's op)` holds, within `budget` re-runs. Returns the smaller
 * trace (cut after its failing step), with `found.step` and its message updated; the input when
 * nothing helped.
 */
export function minimizeFields(trace: Trace, sameFinding: (f: Attributed, op: string) => boolean, opts: { implVariant?: ImplVariant; budget?: number } = {}): Trace {
  const found = trace.found;
  if (!found) return trace;
  let edited = false;
  const probe: Probe = (cand) => {
    if (!edited) { edited = true; return { step: found.step, message: found.message }; } // the input, as recorded
    const f = failing(cand, opts.implVariant);
    return f && sameFinding(f, decodeStep(cand.steps[f.step]).op) ? { step: f.step, message: f.message.split('\n')[0] } : null;
  };
  const r = shrinkFields(trace, probe, opts.budget);
  if (!r || r.trace.steps.length === trace.steps.length && r.step === found.step && r.trace.steps.every((s, i) => s === trace.steps[i])) return trace;
  return { ...r.trace, found: { ...found, step: r.step, ...(r.message !== undefined ? { message: r.message } : {}) } };
}
