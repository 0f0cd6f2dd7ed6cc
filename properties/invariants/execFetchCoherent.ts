/** EXEC_FETCH_COHERENT: without DIC, a guest instruction fetch reaches memory invalidated from the I-cache since the host wrote it (issue 16). */
import { makeLeafOut } from '../../impl/ops/leaf';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { hex, leafPaAt } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'EXEC_FETCH_COHERENT';
const leafOut = makeLeafOut();

/**
 * Source: __invalidate_icache_guest_page, called by stage2_map_walker_try_leaf for an executable
 * leaf and by kvm_pgtable_stage2_relax_perms when it adds X (arch/arm64/kvm/hyp/pgtable.c), skipped
 * with CTR_EL0.DIC; Arm ARM D7.5.9 (instruction cache maintenance to PoU before new instructions
 * are fetched). Without it a fetch may execute lines from what the page held before.
 */
export const execFetchCoherent: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Without DIC, an instruction fetch the guest completes reaches memory invalidated from the I-cache to PoU since the host wrote it.',
  source: '__invalidate_icache_guest_page (stage2_map_walker_try_leaf, kvm_pgtable_stage2_relax_perms); Arm ARM D7.5.9',
  check(s, cases) {
    const st = s.step;
    const ic = s.impl.icache;
    if (st.op !== 'access' || st.kind !== 'exec' || s.config.dic || !ic || s.implOutcome.kind !== 'ok') return null;
    const pgt = s.impl.pgt;
    const pa = leafPaAt(pgt, st.ipa, leafOut);
    if (pa < 0) return null;
    cases?.saw(NAME); // a completed fetch without DIC
    if (ic.isFresh(pa)) return null;
    return violation(s, NAME, `exec at ${hex(st.ipa)} fetches from page ${hex(pa - (pa % pgt.geom.granule))}, never invalidated from the I-cache to PoU since the host wrote it: the guest may run stale instructions`,
      { ipa: st.ipa, expected: 'an I-cache invalidation when the page became executable', actual: 'none' });
  },
};
