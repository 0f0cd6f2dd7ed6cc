/** Outcome-based coverage labels of a step (fed to properties/steps/stats.ts as a FeatureHook). */
import * as C from '../../impl/descriptor/codec';
import type { Snapshot } from '../invariants/types';
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';

/** Label texts built once per kind / errno (the same strings every step, no concatenation per step). */
const OUTCOME_TEXT = new Map<string, string>();
const ERRNO_TEXT = new Map<string, string>();
function text(cache: Map<string, string>, prefix: string, what: string): string {
  let t = cache.get(what);
  if (t === undefined) cache.set(what, (t = `${prefix} ${what}`));
  return t;
}

/** Add the labels of one step to `into`: outcome kinds, block installs, splits, write-protects. */
export function labelStep(s: Snapshot<KvmModel, KvmImpl>, into: Set<string>): void {
  into.add(text(OUTCOME_TEXT, 'outcome', s.implOutcome.kind));
  if (s.implOutcome.kind === 'errno') into.add(text(ERRNO_TEXT, 'errno', s.implOutcome.errno));
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
