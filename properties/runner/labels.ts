/** Outcome-based coverage labels of a step (fed to properties/steps/stats.ts as a FeatureHook). */
import * as C from '../../impl/descriptor/codec';
import type { Snapshot } from '../invariants/types';
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';

/** Add the labels of one step to `into`: outcome kinds, block installs, splits, write-protects. */
export function labelStep(s: Snapshot<KvmModel, KvmImpl>, into: Set<string>): void {
  into.add(`outcome ${s.implOutcome.kind}`);
  if (s.implOutcome.kind === 'errno') into.add(`errno ${s.implOutcome.errno}`);
  const last = s.impl.pgt.lastLevel;
  for (const e of s.events) {
    if (e.op !== 'pteStore') continue;
    const newLeaf = C.isValid(e.newLo) && !C.isTable(e.newLo, e.level, last);
    const oldLeaf = C.isValid(e.oldLo) && !C.isTable(e.oldLo, e.level, last);
    if (newLeaf && e.level < last) into.add('block installed');
    if (oldLeaf && e.level < last && C.isTable(e.newLo, e.level, last)) into.add('block split');
    if (oldLeaf && newLeaf && C.isWritable(e.oldLo) && !C.isWritable(e.newLo)) into.add('write-protect');
  }
}
