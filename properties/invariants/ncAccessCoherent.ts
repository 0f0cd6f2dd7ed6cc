/** NC_ACCESS_COHERENT: without FWB, a guest access that bypasses the cache reaches RAM the host's writes were cleaned out of (issue 16). */
import { isCached } from '../../model/arch/combine';
import { isLoad, isStore } from '../../model/arch/permission';
import * as C from '../../impl/descriptor/codec';
import { makeLeafOut } from '../../impl/ops/leaf';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex, leafPaAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'NC_ACCESS_COHERENT';
const leafOut = makeLeafOut();

/**
 * Source: user_mem_abort → stage2_map_walker_try_leaf cleans a cacheable page to PoC before
 * mapping it unless FWB (__clean_dcache_guest_page; kvm-s2-facts §5.2 step 4): the host wrote the
 * page (zeroing, copying) through its cacheable linear map, and a guest that reads it with the
 * cache off or a non-cacheable stage-1 attribute must see that data, not older memory (Arm ARM
 * B2.4 mismatched attributes, D7.5 cleaning to PoC).
 */
export const ncAccessCoherent: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Without FWB, a guest data access whose effective type is non-cacheable, through a cacheable stage-2 mapping of RAM, reaches memory cleaned to PoC since the host wrote it.',
  source: '__clean_dcache_guest_page in stage2_map_walker_try_leaf (arch/arm64/kvm/hyp/pgtable.c); Arm ARM B2.4, D7.5',
  check(s, cases) {
    const st = s.step;
    const dc = s.impl.dcache;
    if (st.op !== 'access' || !(isLoad(st.kind) || isStore(st.kind)) || s.config.fwb || !dc) return null;
    const o = s.implOutcome;
    if (o.kind !== 'ok' || o.effective === undefined || isCached(o.effective)) return null;
    const pgt = s.impl.pgt;
    const pa = leafPaAt(pgt, st.ipa, leafOut);
    if (pa < 0 || !C.isCacheable(leafOut.lo, pgt.fwb)) return null;
    cases?.saw(NAME); // a non-cacheable guest access to cacheable RAM
    if (dc.isClean(pa)) return null;
    return violation(s, NAME, `${st.kind} at ${hex(st.ipa)} (${o.effective}) reaches page ${hex(pa - (pa % pgt.geom.granule))}, which was never cleaned to PoC after the host wrote it: the guest sees stale memory`,
      { ipa: st.ipa, expected: 'a clean to PoC when the page was mapped', actual: 'no clean' });
  },
};
