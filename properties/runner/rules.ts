/**
 * Trace rules the runner enforces (model/index.ts "Preconditions the runner must respect"): a trace
 * breaking one describes a kernel-unreachable interleaving, reported as a HarnessError, not a finding.
 *   1. no setMemslot while an MMU-notifier invalidation is open: kvm_set_memslot waits for it (facts §12.3);
 *   2. faultCommit on a vCPU with nothing in flight is a no-op `ok` (executors.ts applyOne), not an error;
 *   3. setMemslot during a split fault is allowed; the model answers the fault with `retry`.
 */
import type { Step } from '../trace/codec';
import { HarnessError, type World } from './executors';

type Rule = (w: World, s: Step) => string | null;

const RULES: readonly Rule[] = [
  (w, s) => {
    if (s.op !== 'setMemslot') return null;
    const open = w.model.host.openInvalidations();
    return open.length > 0 ? `setMemslot while invalidation ${open[0].id} is open (kvm_set_memslot waits for it, facts §12.3)` : null;
  },
];

/** Throw HarnessError naming step `i` when `s` breaks a trace rule in world `w`. */
export function checkTraceRules(w: World, s: Step, i: number): void {
  for (const rule of RULES) {
    const why = rule(w, s);
    if (why) throw new HarnessError(`steps[${i}] trace rule: ${why}`);
  }
}
