/** The hardware side of a guest access: stage-2 lookup, access flag, permission check (Arm ARM D8). */
import { stage2Permission, walkToDeviceFaults } from '../arch/permission';
import type { ModelLeaf } from '../stage2';
import type { AccessKind } from '../types';
import type { KvmState } from './state';

/** Fault status class of a stage-2 abort (ESR FSC, facts §15.1). */
export type Fsc = 'translation' | 'accessFlag' | 'permission';

/** Result of the hardware's stage-2 translation of one access. */
export type HwResult = { kind: 'ok'; leaf: ModelLeaf } | { kind: 'fault'; fsc: Fsc };

/**
 * Translate `ipa` for `kind` through the model's stage 2: IPAs at or beyond 2^iaBits and missing
 * leaves are translation faults; a clear AF is an access-flag fault unless hardware AF update is
 * on (then the hardware sets it); otherwise the leaf's permissions decide, and a stage-1 walk to a
 * Device leaf faults on permission whatever they are (HCR_EL2.PTW, always set by KVM).
 * Source: Arm ARM D8.x fault prioritisation (translation > access flag > permission), facts §15.1, §15.8.
 */
export function hardwareAccess(st: KvmState, ipa: number, kind: AccessKind): HwResult {
  if (ipa >= 2 ** st.config.iaBits) return { kind: 'fault', fsc: 'translation' };
  const gfn = Math.floor(ipa / st.config.granule);
  const leaf = st.stage2.get(gfn);
  if (!leaf) return { kind: 'fault', fsc: 'translation' };
  if (!leaf.af) {
    if (!st.config.hwAccessFlag) return { kind: 'fault', fsc: 'accessFlag' };
    st.stage2.mkyoung(gfn); // the hardware sets AF in the whole leaf's descriptor
  }
  if (stage2Permission(kind, leaf.perms) === 'permFault') return { kind: 'fault', fsc: 'permission' };
  if (walkToDeviceFaults(kind, leaf.memtype)) return { kind: 'fault', fsc: 'permission' }; // HCR_EL2.PTW
  return { kind: 'ok', leaf };
}
