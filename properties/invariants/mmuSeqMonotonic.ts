/** MMU_SEQ_MONOTONIC: mmu_invalidate_seq never decreases and in_progress never goes negative (facts §21.32). */
import type { Invariant } from './types';
import type { ImplView, ModelView, NotifierView } from './lib/view';
import { violation } from './lib/violation';

const NAME = 'MMU_SEQ_MONOTONIC';
/** Last seq seen per executor object: the only memory an invariant keeps (never the world's); one record per object, updated in place. */
const lastSeq = new WeakMap<object, { seq: number }>();

/** Whether the notifier has something to judge this step: an invalidation open (or a broken count) or a seq that moved. */
const active = (key: object, n: NotifierView): boolean => n.inProgress !== 0 || (lastSeq.get(key)?.seq ?? n.seq) !== n.seq;

function judge(side: string, key: object, n: NotifierView): string | null {
  if (n.inProgress < 0) return `${side} mmu_invalidate_in_progress is ${n.inProgress}`;
  const last = lastSeq.get(key);
  if (last === undefined) { lastSeq.set(key, { seq: n.seq }); return null; }
  const prev = last.seq;
  last.seq = n.seq;
  return n.seq < prev ? `${side} mmu_invalidate_seq went from ${prev} to ${n.seq}` : null;
}

/** Source: kvm_mmu_invalidate_begin/end (virt/kvm/kvm_main.c; facts §14.1–14.3). */
export const mmuSeqMonotonic: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'On both executors mmu_invalidate_seq never decreases from step to step and mmu_invalidate_in_progress ≥ 0.',
  source: 'facts §14, §21.32',
  check(s, cases) {
    if (active(s.impl, s.impl.notifier) || active(s.model, s.model.notifier)) cases?.saw(NAME); // an invalidation open, or one that ended
    const why = judge('impl', s.impl, s.impl.notifier) ?? judge('model', s.model, s.model.notifier);
    return why ? violation(s, NAME, why) : null;
  },
};
