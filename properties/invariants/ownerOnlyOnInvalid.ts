/** OWNER_ONLY_ON_INVALID: owner annotations only on invalid entries, and counted in refcounts (seed 004). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { forEachLeafIn } from './lib/walk';
import { pagesIn, refProblem } from './lib/tablePages';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'OWNER_ONLY_ON_INVALID';

/** Source: kvm_pgtable_stage2_set_owner / stage2_pte_is_counted (seed 004; facts §2.4–2.5, §20e). */
export const ownerOnlyOnInvalid: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'After set_owner(range, owner ≠ 0) no entry of the range is valid (a valid entry never reports an owner), and every table page holding annotations counts them in its refcount.',
  source: 'seed 004; facts §2.4, §2.5, §20e, §22 M14',
  check(s, cases) {
    const st = s.step;
    if (st.op !== 'setOwner' || s.implOutcome.kind !== 'ok') return null;
    cases?.saw(NAME); // an owner annotation written
    const pgt = s.impl.pgt;
    if (st.owner !== 0) {
      let at = -1;
      forEachLeafIn(pgt, [[st.ipa, st.ipa + st.size]], (l) => { if (at < 0) at = Math.max(l.ipa, st.ipa); });
      if (at >= 0) return violation(s, NAME, `valid entry at ${hex(at)} inside a range annotated with owner ${st.owner}`, { ipa: at, expected: 'invalid, owner ' + st.owner, actual: 'valid' });
    }
    for (const p of pagesIn(pgt, [[st.ipa, st.ipa + st.size]])) {
      const why = refProblem(pgt, p);
      if (why) return violation(s, NAME, `annotations not counted: ${why}`, { ipa: p.ipa });
    }
    return null;
  },
};
