/** EMPTY_TABLES_FREED: a step that unmapped leaves no empty non-root table behind in its range (facts §21.8). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { countedEntries, pagesIn } from './lib/tablePages';
import { hex } from './lib/leafInfo';
import { isValid } from '../../impl/descriptor/codec';
import { violation } from './lib/violation';

const NAME = 'EMPTY_TABLES_FREED';

/** Source: stage2_unmap_walker frees a table once its refcount drops to 1 (facts §7). */
export const emptyTablesFreed: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'After a step that removed valid leaves, no linked non-root table page in the touched ranges is empty.',
  source: 'facts §7, §21.8',
  check(s) {
    const unmapped = s.events.some((e) => e.op === 'pteStore' && isValid(e.oldLo) && !isValid(e.newLo));
    if (!unmapped || s.step.op === 'setOwner') return null;
    const pgt = s.impl.pgt;
    const p = pagesIn(pgt, s.touched).find((x) => !x.isRoot && countedEntries(pgt, x.page) === 0);
    return p ? violation(s, NAME, `empty L${p.level} table page ${p.page} at ${hex(p.ipa)} still linked`, { ipa: p.ipa }) : null;
  },
};
