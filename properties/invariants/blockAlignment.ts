/** BLOCK_ALIGNMENT: leaves at allowed levels, IPA and OA aligned to the level's size (facts §21.1–2). */
import type { Invariant } from './types';
import { leavesIn } from './lib/walk';
import type { ImplView, ModelView } from './lib/view';
import { placementProblemsIn } from './lib/entryChecks';
import { violation } from './lib/violation';

const NAME = 'BLOCK_ALIGNMENT';

/** Source: kvm_block_mapping_supported / stage2_leaf_mapping_allowed (facts §1.1, §5). */
export const blockAlignment: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Blocks only at levels ≥ MIN_BLOCK_LEVEL, last-level leaves have the page type bit, a leaf\'s IPA and OA are aligned to its size.',
  source: 'facts §21.1–2',
  check(s, cases) {
    if (s.touched.length === 0) return null;
    if (cases && leavesIn(s.impl.pgt, s.touched).length > 0) cases.saw(NAME); // a leaf whose level and alignment could be wrong
    const p = placementProblemsIn(s.impl.pgt, s.touched)[0];
    return p ? violation(s, NAME, p.message, { ipa: p.ipa, actual: p.code }) : null;
  },
};
