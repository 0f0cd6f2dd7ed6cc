/** DEVICE_NEVER_EXEC: Device and Normal-NC leaves are never executable (facts §21.5, §21.26). */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafExec, leafMemtype } from './lib/leafInfo';
import { violation } from './lib/violation';

const NAME = 'DEVICE_NEVER_EXEC';

/** Source: stage2_set_prot_attr rejects X with DEVICE / NORMAL_NC (facts §2.3), user_mem_abort exec_fault on device → -ENOEXEC (§15.6). */
export const deviceNeverExec: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'No Device or Normal-NC leaf is executable.',
  source: 'facts §21.5, §21.26, §22 M7',
  check(s, cases) {
    const pgt = s.impl.pgt;
    for (const l of leavesIn(pgt, s.touched)) {
      const t = leafMemtype(pgt, l);
      if (t !== 'device' && t !== 'nc') continue;
      cases?.saw(NAME); // a Device or Normal-NC leaf
      if (leafExec(l)) return violation(s, NAME, `${t} leaf at ${hex(l.ipa)} is executable`, { ipa: l.ipa, expected: 'XN', actual: 'X' });
    }
    return null;
  },
};
