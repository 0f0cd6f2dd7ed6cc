/** REFCOUNT: every table page the step reached has refcount 1 + non-zero entries and is not free (facts §21.7). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { pagesIn, refProblem } from './lib/tablePages';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'REFCOUNT';

/** Source: stage2_pte_is_counted / mm_ops->get_page, put_page (facts §2.5); checks only pages on touched walks. */
export const refcount: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Each linked table page has refcount = 1 + its non-zero entries (owner annotations included) and is not free.',
  source: 'facts §2.5, §21.7, §22 M13–14',
  check(s, cases) {
    if (s.touched.length === 0) return null;
    const pgt = s.impl.pgt;
    for (const p of pagesIn(pgt, s.touched)) {
      cases?.saw(NAME); // a table page in the touched ranges
      const why = refProblem(pgt, p);
      if (why) return violation(s, NAME, `${why} (first entry at ${hex(p.ipa)})`, { ipa: p.ipa });
    }
    return null;
  },
};
