/** EMPTY_TABLES_FREED: a step that unmapped leaves no empty non-root table behind in its range (facts §21.8). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { countedEntries, pagesIn } from './lib/tablePages';
import { hex } from './lib/leafInfo';
import { isValid } from '../../impl/descriptor/codec';
import type { EffectEvent } from '../../impl/effects';
import { violation } from './lib/violation';

const NAME = 'EMPTY_TABLES_FREED';

/** Did a store of the step make a valid entry invalid? */
function unmapsLeaf(events: readonly EffectEvent[]): boolean {
  for (const e of events) if (e.op === 'pteStore' && isValid(e.oldLo) && !isValid(e.newLo)) return true;
  return false;
}

/** Source: stage2_unmap_walker frees a table once its refcount drops to 1 (facts §7). */
export const emptyTablesFreed: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'After a step that removed valid leaves, no linked non-root table page in the touched ranges is empty.',
  source: 'facts §7, §21.8',
  check(s, cases) {
    if (s.step.op === 'setOwner' || !unmapsLeaf(s.events)) return null;
    cases?.saw(NAME); // a leaf unmapped
    const pgt = s.impl.pgt;
    for (const p of pagesIn(pgt, s.touched)) {
      if (!p.isRoot && countedEntries(pgt, p.page) === 0) return violation(s, NAME, `empty L${p.level} table page ${p.page} at ${hex(p.ipa)} still linked`, { ipa: p.ipa });
    }
    return null;
  },
};
