/** stage2SetOwner: annotate a range with an owner id as invalid page-level entries (kvm_pgtable_stage2_set_owner). */
import { EINVAL } from '../errno';
import { OWNER_FIELD_MAX } from '../descriptor/codec';
import { stage2MapAnnotation } from './map';
import { S2InputError } from '../../model/types';
import type { Stage2Pgtable } from '../pgtable';

/** KVM_MAX_OWNER_ID in mainline: 0 = host (page-table owner), 1 = hypervisor (facts §2.4). */
export const KVM_MAX_OWNER_ID = 1;

export interface SetOwnerOptions {
  /**
   * Largest accepted owner id; pKVM/ACK trees allow the whole 8-bit field (0xff).
   * @defaultValue KVM_MAX_OWNER_ID (1)
   */
  maxOwnerId?: number;
}

/**
 * Replace [addr, addr+size) by invalid entries annotated with `owner`, at page granularity
 * (force_pte: tables are created down to the last level; valid entries are broken first, and
 * the rest of a broken block stays unmapped). Owner 0 writes zero entries.
 * Returns 0, -EINVAL (owner > maxOwnerId), -ENOMEM or -ERANGE.
 * Source: kvm_pgtable_stage2_set_owner, arch/arm64/kvm/hyp/pgtable.c (facts §3.4, §5.1(e)).
 */
export function stage2SetOwner(pgt: Stage2Pgtable, addr: number, size: number, owner: number, opts: SetOwnerOptions = {}): number {
  const max = opts.maxOwnerId ?? KVM_MAX_OWNER_ID;
  if (!Number.isInteger(max) || max < 0 || max > OWNER_FIELD_MAX) {
    throw new S2InputError('maxOwnerId', `must be an integer 0..${OWNER_FIELD_MAX}, got ${max}`);
  }
  if (!Number.isInteger(owner) || owner < 0) throw new S2InputError('owner', `must be a non-negative integer, got ${owner}`);
  if (owner > max) return EINVAL;
  return stage2MapAnnotation(pgt, addr, size, owner);
}
