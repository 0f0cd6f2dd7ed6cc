/** BBM: break-before-make on the step's recorded descriptor stores and TLBIs (facts §6, §21.9). */
import { checkBbm } from '../../impl/check/bbm';
import { isValid } from '../../impl/descriptor/codec';
import type { EffectEvent } from '../../impl/effects';
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { violation } from './lib/violation';

const NAME = 'BBM';

/**
 * Whether checkBbm can report anything on `events`: it only judges a store that keeps an entry
 * valid (valid → valid) or makes one valid after an earlier store broke one (valid → invalid).
 * Steps with neither (most faults: invalid → valid only) skip the full check and its messages.
 */
function mayBreakBbm(events: readonly EffectEvent[]): boolean {
  let broke = false;
  for (const e of events) {
    if (e.op !== 'pteStore') continue;
    const oldValid = isValid(e.oldLo);
    const newValid = isValid(e.newLo);
    if (oldValid && newValid) return true;
    if (oldValid) broke = true;
    else if (newValid && broke) return true;
  }
  return false;
}

/** Source: stage2_try_break_pte / stage2_make_pte (facts §6), Arm ARM D8.14 break-before-make. */
export const bbm: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'A valid entry is replaced by a different valid one only through invalid → TLBI → new (permission/AF changes excepted).',
  source: 'facts §6, §21.9, §22 M12',
  check(s, cases) {
    if (s.events.length === 0 || !mayBreakBbm(s.events)) return null;
    cases?.saw(NAME); // a live descriptor replaced
    const p = checkBbm(s.events, s.impl.pgt.geom, s.impl.pgt.lastLevel, s.impl.pgt.fwb)[0];
    return p ? violation(s, NAME, p.message, { ipa: p.ipa, actual: p.code }) : null;
  },
};
