/** NO_LOCKED_AT_REST: the LOCKED marker never survives a step (facts §21.6). */
import type { Invariant } from './types';
import { storesDescriptor } from './lib/makes';
import type { ImplView, ModelView } from './lib/view';
import { encodingProblemsIn } from './lib/entryChecks';
import { violation } from './lib/violation';

const NAME = 'NO_LOCKED_AT_REST';

/** Source: stage2_try_break_pte / stage2_make_pte (KVM_INVALID_PTE_LOCKED, facts §6). */
export const noLockedAtRest: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No entry holds the LOCKED marker between operations.',
  source: 'facts §21.6',
  check(s, cases) {
    if (s.touched.length === 0) return null;
    if (storesDescriptor(s.events)) cases?.saw(NAME); // a descriptor stored (a lock is taken and released around each)
    const p = encodingProblemsIn(s.impl.pgt, s.touched).find((x) => x.code === 'lockedAtRest');
    return p ? violation(s, NAME, p.message, { ipa: p.ipa }) : null;
  },
};
