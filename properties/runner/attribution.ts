/**
 * Which historical bug a failure is: with bugs enabled, a run can fail in several ways that are one
 * bug (ro-device-writable maps a device page writable in a READONLY slot, or over a read-only host
 * PTE). A failure is attributed to each enabled bug whose removal makes the run clean up to the
 * failing step; such a finding is named by the bug's registered invariant when that fires at the
 * failing step (impl/bugs.ts), and deduplicated by the bug, not by the invariant (issue 15).
 */
import { isRegisteredFor } from '../../impl/bugs';
import type { ImplVariant } from '../../impl/variants';
import type { Config } from '../../model/types';
import type { Step } from '../trace/codec';
import { failureOf, HARNESS_ERROR } from './property';
import { runSteps, type RunResult } from './runner';

/** A failure as a finding names it. */
export interface Attributed {
  invariant: string;
  step: number;
  message: string;
  /** The enabled bugs it needs (sorted; empty: it fails without any one of them removed, or no bugs are on). */
  cause: string[];
  /** The registered kernel finding it is (only without a cause): the impl took that finding's path at the step. */
  known?: string;
}

export { isRegisteredFor };

/** The enabled bugs a failure at `step` needs: those whose removal lets steps[0..step] run without a violation. */
export function bugsNeeded(config: Config, steps: readonly Step[], step: number, implVariant?: ImplVariant): string[] {
  if (config.bugs.length === 0) return [];
  const prefix = steps.slice(0, step + 1);
  return [...config.bugs].sort().filter((b) => {
    const r = runSteps({ ...config, bugs: config.bugs.filter((x) => x !== b) }, prefix, { implVariant });
    return failureOf(r) === null;
  });
}

/**
 * The failure of run `r` of `steps` under `config`, attributed: null when it passed. Its invariant
 * is the first that fired, or, for a failure some bug causes, the bug's registered invariant when
 * it fired at the same step.
 */
export function attributeFailure(config: Config, steps: readonly Step[], r: RunResult, implVariant?: ImplVariant): Attributed | null {
  const f = failureOf(r);
  if (!f) return null;
  if (f.invariant === HARNESS_ERROR) return { ...f, cause: [] };
  const cause = bugsNeeded(config, steps, f.step, implVariant);
  const named = cause.length > 0 ? r.violations.find((v) => v.step === f.step && isRegisteredFor(v.invariant, cause)) : undefined;
  if (named) return { invariant: named.invariant, step: f.step, message: named.message, cause };
  if (cause.length > 0) return { invariant: f.invariant, step: f.step, message: f.message, cause }; // a bug's doing, not the kernel's
  return { ...f, cause };
}
