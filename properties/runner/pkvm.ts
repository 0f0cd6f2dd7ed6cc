/**
 * pKVM host stage-2 ops (seed 004) on the impl's table, for executors without them: setOwner
 * annotates through the library, hostAccess reads the annotation. The model has neither (its side
 * reports `modelSkipped`). Simplification: hostAccess never idmaps, so the guest view stays comparable.
 */
import * as C from '../../impl/descriptor/codec';
import { EINVAL, ENOMEM, ERANGE } from '../../impl/errno';
import { stage2GetLeaf, makeLeafOut } from '../../impl/ops/leaf';
import { stage2SetOwner } from '../../impl/ops/owner';
import type { Stage2Pgtable } from '../../impl/pgtable';
import type { Errno, Outcome } from '../../model/types';

const ERRNOS: Record<number, Errno> = { [EINVAL]: 'EINVAL', [ENOMEM]: 'ENOMEM', [ERANGE]: 'ERANGE' };
const leafOut = makeLeafOut();

/** kvm_pgtable_stage2_set_owner over [ipa, ipa+size): ok or the library's errno. Source: host_stage2_set_owner_locked (facts §2.4). */
export function setOwnerOn(pgt: Stage2Pgtable, ipa: number, size: number, owner: number): Outcome {
  const ret = stage2SetOwner(pgt, ipa, size, owner);
  return ret === 0 ? { kind: 'ok' } : { kind: 'errno', errno: ERRNOS[ret] ?? 'EINVAL' };
}

/** A host access: a page annotated for another owner aborts (handle_host_mem_abort → -EPERM); else ok. */
export function hostAccessOn(pgt: Stage2Pgtable, ipa: number): Outcome {
  stage2GetLeaf(pgt, ipa, leafOut);
  if (leafOut.level < 0 || leafOut.valid) return { kind: 'ok' };
  return C.ownerOf(leafOut.lo) !== 0 ? { kind: 'injectDabt' } : { kind: 'ok' };
}
