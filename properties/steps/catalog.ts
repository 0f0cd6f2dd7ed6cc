/** The step catalog as data (DESIGN §3): one entry per op; the sequence engine never special-cases a name. */
import type { Step } from '../trace/codec';
import type { OpName } from '../trace/schema';
import type { StepKind } from './kind';
import { age, invalidateBegin, invalidateEnd, madviseDontneed, migrate, mmap, mprotect, munmap, testAge, thpCollapse, thpSplit, vmmWrite } from './hostKinds';
import { access, faultBegin, faultCommit, hostAccess, setOwner } from './guestKinds';
import { clearDirtyLog, getDirtyLog, ioremap, setMemslot } from './kvmKinds';
import type { GenWorld } from './world';

/** Every op of DESIGN §3. A drawn op whose precondition fails is replaced by an enabled one re-drawn by weight (arbitraries.ts). */
export const CATALOG: readonly StepKind[] = [
  setMemslot, faultCommit, invalidateEnd, access, faultBegin, getDirtyLog, clearDirtyLog, mmap, munmap, mprotect,
  madviseDontneed, migrate, thpCollapse, thpSplit, vmmWrite, invalidateBegin, age, testAge, ioremap, setOwner, hostAccess,
];

/** Catalog entries by op name, built once. */
const BY_NAME: ReadonlyMap<OpName, StepKind> = new Map(CATALOG.map((e) => [e.name, e]));

/** The catalog entry of `op`. */
export function kindOf(op: OpName): StepKind {
  const k = BY_NAME.get(op);
  if (!k) throw new RangeError(`no catalog entry for op ${op}`);
  return k;
}

/** Apply a step to the generation world through its catalog entry. */
export function applyToWorld(w: GenWorld, step: Step): void {
  kindOf(step.op).update(w, step);
}
