/** ICACHE_BEFORE_EXEC: without DIC a leaf becomes executable only after I-cache invalidation of its span (facts §21.13). */
import { isExecutable } from '../../impl/descriptor/codec';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { maintained, newMakes } from './lib/makes';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'ICACHE_BEFORE_EXEC';

/** Source: stage2_map_walker_try_leaf / stage2_attr_walker → invalidate_icache_guest_page (facts §5, §8, §10). */
export const icacheBeforeExec: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Without DIC, a leaf that becomes executable (new, or X added) is preceded in the same step by an I-cache invalidation to PoU of its span.',
  source: 'facts §8, §10, §21.13',
  check(s, cases) {
    if (s.config.dic || s.events.length === 0) return null;
    const pgt = s.impl.pgt;
    for (const m of newMakes(pgt, s.events, true)) {
      if (!isExecutable(m.lo, m.hi)) continue;
      cases?.saw(NAME); // an executable leaf made without DIC
      if (!maintained(s.events, 'icacheInvalPou', m.event, m.pa, m.size)) {
        return violation(s, NAME, `leaf ${hex(m.ipa)} → ${hex(m.pa)} made executable without a prior I-cache invalidation`, { ipa: m.ipa });
      }
    }
    return null;
  },
};
