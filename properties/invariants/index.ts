/** All named invariants, in checking order: the kernel-finding ones, the six of DESIGN §5, then the structural and protocol rules of facts §21. */
import type { Invariant } from './types';
import type { ImplView, ModelView } from './lib/view';
import { roSlotNeverWritable } from './roSlotNeverWritable';
import { noStalePfn } from './noStalePfn';
import { zeroPageNeverWritableOrDevice } from './zeroPageNeverWritableOrDevice';
import { cmoSemantics } from './cmoSemantics';
import { deviceMemtype } from './deviceMemtype';
import { ownerOnlyOnInvalid } from './ownerOnlyOnInvalid';
import { bbm } from './bbm';
import { refcount } from './refcount';
import { blockAlignment } from './blockAlignment';
import { noMappingOutsideSlots } from './noMappingOutsideSlots';
import { dirtyLogComplete } from './dirtyLogComplete';
import { wrprotectFlushed } from './wrprotectFlushed';
import { s1ptwClassification } from './s1ptwClassification';
import { descriptorEncoding } from './descriptorEncoding';
import { noLockedAtRest } from './noLockedAtRest';
import { emptyTablesFreed } from './emptyTablesFreed';
import { cmoBeforeMake } from './cmoBeforeMake';
import { icacheBeforeExec } from './icacheBeforeExec';
import { deviceNeverExec } from './deviceNeverExec';
import { mmuSeqMonotonic } from './mmuSeqMonotonic';
import { roSlotNeverDirty } from './roSlotNeverDirty';
import { memslotsDisjoint } from './memslotsDisjoint';
import { deletedSlotUnmapped } from './deletedSlotUnmapped';
import { loggingPageSize } from './loggingPageSize';
import { pfnmapBlockWithinVma } from './pfnmapBlockWithinVma';
import { ioremapLeafAsRequested } from './ioremapLeafAsRequested';
import { protNoneNeverMapped } from './protNoneNeverMapped';
import { noFaultLivelock } from './noFaultLivelock';
import { walkToDeviceAborts } from './walkToDeviceAborts';
import { tlbCoherent } from './tlbCoherent';
import { unmapCleansDcache } from './unmapCleansDcache';
import { ncAccessCoherent } from './ncAccessCoherent';
import { execFetchCoherent } from './execFetchCoherent';

/**
 * Every invariant, checked in this order after every step (DESIGN §5, facts §21). The most specific
 * come first, so the first that fires names the finding: the invariants that catch known kernel
 * findings (reports/kernelFindings.ts), then the six of DESIGN §5, then the structural rules.
 */
export const ALL_INVARIANTS: readonly Invariant<ModelView, ImplView>[] = [
  pfnmapBlockWithinVma, ioremapLeafAsRequested, protNoneNeverMapped, walkToDeviceAborts, noFaultLivelock,
  roSlotNeverWritable, noStalePfn, zeroPageNeverWritableOrDevice, cmoSemantics, deviceMemtype, ownerOnlyOnInvalid,
  bbm, refcount, blockAlignment, noMappingOutsideSlots, dirtyLogComplete, wrprotectFlushed, s1ptwClassification,
  descriptorEncoding, noLockedAtRest, emptyTablesFreed, cmoBeforeMake, icacheBeforeExec, deviceNeverExec,
  mmuSeqMonotonic, roSlotNeverDirty, memslotsDisjoint, deletedSlotUnmapped, loggingPageSize, tlbCoherent, unmapCleansDcache, ncAccessCoherent, execFetchCoherent,
];

const BY_NAME: ReadonlyMap<string, Invariant<ModelView, ImplView>> = new Map(ALL_INVARIANTS.map((i) => [i.name, i]));

/** The invariant called `name`, or undefined. */
export const invariantByName = (name: string): Invariant<ModelView, ImplView> | undefined => BY_NAME.get(name);

export type { Invariant, Snapshot, Violation, S2Snapshot } from './types';
