/** Build a Violation for the snapshot's step. */
import type { Snapshot, Violation } from '../types';

/** A finding of `invariant` at this step. */
export function violation(
  s: Snapshot<unknown, unknown>, invariant: string, message: string,
  extra: { ipa?: number; expected?: string; actual?: string } = {},
): Violation {
  return { invariant, step: s.stepIndex, message, ...extra };
}
