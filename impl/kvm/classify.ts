/** ESR classification per access kind, precomputed (no allocation per fault), and kvm_is_write_fault (facts §15.1–15.2). */
import { syndromeOf, type AbortSyndrome } from '../../model/arch/esr';
import { ACCESS_KINDS, type AccessKind } from '../../model/types';
import type { TranslateAccess } from '../translate';
import type { BugSet } from '../bugs';

/** [translation/AF syndrome, permission syndrome] per access kind (architecture facts, model/arch/esr). */
const SYN = new Map<AccessKind, readonly [AbortSyndrome, AbortSyndrome]>(
  ACCESS_KINDS.map((k) => [k, [Object.freeze(syndromeOf(k, false)), Object.freeze(syndromeOf(k, true))]] as const),
);

/** The syndrome a stage-2 fault of `kind` reports (frozen, shared). */
export function syndrome(kind: AccessKind, permFault: boolean): AbortSyndrome {
  const s = SYN.get(kind);
  if (s === undefined) throw new Error(`internal: unknown access kind ${String(kind)}`);
  return s[permFault ? 1 : 0];
}

/**
 * kvm_is_write_fault: S1PTW is a write only on a permission fault (v6.2+; `s1ptw-always-write`
 * restores the old "always"), an instruction abort never, else WnR. Source: kvm_emulate.h (§15.2).
 */
export function isWriteFault(syn: AbortSyndrome, permFault: boolean, bugs: BugSet): boolean {
  if (syn.s1ptw) return permFault || bugs.has('s1ptw-always-write');
  if (syn.isIabt) return false;
  return syn.wnr;
}

/**
 * The hardware walk(s) an access makes (Arm ARM stage-2 permissions, model/arch/permission):
 * loads, walker reads, AT, DC CIVAC/CVAC need R; stores, walker writes, DC ZVA, DC IVAC need W;
 * fetches need X; CAS needs R then W (two walks).
 */
const WALKS: Record<AccessKind, readonly TranslateAccess[]> = {
  read: ['read'], ld_preidx: ['read'], s1ptw_read: ['read'], at: ['read'], dc_civac: ['read'], dc_cvac: ['read'],
  write: ['write'], st_preidx: ['write'], dc_zva: ['write'], s1ptw_write: ['write'], dc_ivac: ['write'],
  cas: ['read', 'write'], exec: ['exec'],
};

/** Walk kinds of an access (callers validate `kind` first). */
export function walksOf(kind: AccessKind): readonly TranslateAccess[] {
  return WALKS[kind];
}
