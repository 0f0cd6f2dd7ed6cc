/** DESCRIPTOR_ENCODING: touched entries use only encodings KVM produces (facts §21.3–4). */
import type { Invariant } from './types';
import { storesDescriptor } from './lib/makes';
import type { ImplView, ModelView } from './lib/view';
import { encodingProblemsIn } from './lib/entryChecks';
import { violation } from './lib/violation';

const NAME = 'DESCRIPTOR_ENCODING';
/** Codes judged by their own invariants (NO_LOCKED_AT_REST, DEVICE_NEVER_EXEC). */
const ELSEWHERE = new Set(['lockedAtRest', 'execNonNormal']);

/** Source: stage2_set_prot_attr / kvm_init_valid_leaf_pte (facts §2.2–2.3). */
export const descriptorEncoding: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Valid leaves carry one of the FWB mode\'s MemAttr encodings, SH=Inner, no DBM/Contiguous, no stray bits; invalid entries are 0 or an owner id; tables carry no attributes.',
  source: 'facts §21.3–4, §2.2–2.4',
  check(s, cases) {
    if (s.touched.length === 0) return null;
    if (storesDescriptor(s.events)) cases?.saw(NAME); // a descriptor stored
    const p = encodingProblemsIn(s.impl.pgt, s.touched).find((x) => !ELSEWHERE.has(x.code));
    return p ? violation(s, NAME, p.message, { ipa: p.ipa, actual: p.code }) : null;
  },
};
