/** Check one step's `expect` against the impl's outcome, dirty list and the stage-2 state of the step's page (DESIGN §4). */
import { toHex } from '../trace/hex';
import { expectMismatch, outcomeToExpect } from '../trace/expect';
import type { Step } from '../trace/codec';
import type { TraceExpect } from '../trace/schema';
import type { SideResult, World } from './executors';
import { implLeafAt } from './implLeaves';
import type { RunnerMemory } from './touched';

/** The page a step is about: its ipa, or for faultCommit the ipa of the vCPU's faultBegin. */
export function stepIpa(step: Step, mem: RunnerMemory): number | undefined {
  if ('ipa' in step) return step.ipa;
  if (step.op === 'faultCommit') return mem.faultIpa.get(step.vcpu);
  return undefined;
}

/** What the run observed for `expect` keys: outcome fields, dirty list, what an access found in memory, and the impl leaf covering the page. */
export function observe(w: World, step: Step, mem: RunnerMemory, impl: SideResult): Partial<TraceExpect> {
  const obs: Partial<TraceExpect> = { ...outcomeToExpect(impl.outcome) };
  if (impl.dirty) obs.dirty = [...impl.dirty];
  if (step.op === 'access') {
    const data = w.impl.kvm.dataView(step.ipa, step.kind, impl.outcome);
    if (data) obs.data = data;
  }
  const ipa = stepIpa(step, mem);
  if (ipa === undefined) return obs;
  const leaf = implLeafAt(w.impl.kvm.pgt, ipa);
  obs.mapped = leaf !== null;
  if (leaf) {
    obs.writable = leaf.perms.w;
    obs.exec = leaf.perms.x;
    if (leaf.memtype !== 'unknown') obs.memtype = leaf.memtype;
    obs.size = toHex(leaf.size);
  }
  return obs;
}

/** The first mismatch between `expect` and what the step did on the impl, or null. */
export function checkExpect(w: World, step: Step, mem: RunnerMemory, expect: TraceExpect, impl: SideResult): string | null {
  return expectMismatch(expect, observe(w, step, mem, impl));
}
