/** CMO_BEFORE_MAKE: without FWB a cacheable leaf becomes valid only after its granule is cleaned to PoC (facts §21.12). */
import { isCacheable } from '../../impl/descriptor/codec';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { maintained, newMakes } from './lib/makes';
import { hex } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'CMO_BEFORE_MAKE';

/** Source: stage2_map_walker_try_leaf → clean_dcache_guest_page before stage2_make_pte (facts §5, §10). */
export const cmoBeforeMake: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Without FWB, a cacheable leaf mapping new memory at an IPA is made valid only after a D-cache clean+invalidate to PoC of its whole span in the same step.',
  source: 'facts §5, §10, §21.12',
  check(s, cases) {
    const pgt = s.impl.pgt;
    if (pgt.fwb || s.events.length === 0) return null;
    for (const m of newMakes(pgt, s.events, false)) {
      if (!isCacheable(m.lo, pgt.fwb)) continue;
      cases?.saw(NAME); // a cacheable leaf made without FWB
      if (!maintained(s.events, 'dcacheCleanInvalPoc', m.event, m.pa, m.size)) {
        return violation(s, NAME, `cacheable leaf ${hex(m.ipa)} → ${hex(m.pa)} (${hex(m.size)}) made without a prior D-cache clean to PoC`, { ipa: m.ipa });
      }
    }
    return null;
  },
};
