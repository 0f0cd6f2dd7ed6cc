/** Outcome ↔ trace `expect` (DESIGN §3 outcomes, §4 expect keys), and the replay comparison of the two. */
import type { Outcome } from '../../model/types';
import { fromHex, toHex } from './hex';
import type { TraceExpect } from './schema';

/** The `expect` that records `o` (outcome, errno, mmio, effective); nisv's ipa is the step's own. */
export function outcomeToExpect(o: Outcome): TraceExpect {
  switch (o.kind) {
    case 'errno': return { outcome: 'errno', errno: o.errno };
    case 'mmio': return { outcome: 'mmio', mmio: { ipa: toHex(o.ipa), len: o.len, write: o.write } };
    case 'ok': return o.effective ? { outcome: 'ok', effective: o.effective } : { outcome: 'ok' };
    default: return { outcome: o.kind };
  }
}

/**
 * The Outcome an `expect` names. `ipa` is the step's ipa (for nisv). Throws RangeError when the
 * expect lacks what its outcome needs (errno without `errno`, mmio without `mmio`).
 */
export function expectToOutcome(e: TraceExpect, ipa = 0): Outcome {
  switch (e.outcome) {
    case 'errno':
      if (!e.errno) throw new RangeError('expect.errno: required when outcome is errno');
      return { kind: 'errno', errno: e.errno };
    case 'mmio':
      if (!e.mmio) throw new RangeError('expect.mmio: required when outcome is mmio');
      return { kind: 'mmio', ipa: fromHex(e.mmio.ipa), len: e.mmio.len, write: e.mmio.write };
    case 'nisv': return { kind: 'nisv', ipa };
    case 'ok': return e.effective ? { kind: 'ok', effective: e.effective } : { kind: 'ok' };
    default: return { kind: e.outcome };
  }
}

const KEYS = ['outcome', 'errno', 'mmio', 'dirty', 'mapped', 'writable', 'exec', 'memtype', 'effective', 'size', 'data'] as const;

/**
 * Compare an expectation with what a run observed (built with outcomeToExpect plus the runner's
 * page state and dirty list). Only keys present in `expected` are checked. Returns the first
 * mismatch as `expect.<key>: expected X, got Y`, or null.
 */
export function expectMismatch(expected: TraceExpect, observed: Partial<TraceExpect>): string | null {
  for (const k of KEYS) {
    if (expected[k] === undefined) continue;
    const want = JSON.stringify(expected[k]);
    const got = JSON.stringify(observed[k]);
    if (want !== got) return `expect.${k}: expected ${want}, got ${got ?? 'nothing'}`;
  }
  return null;
}
