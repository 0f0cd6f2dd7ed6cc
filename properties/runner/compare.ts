/** The two comparison invariants: the impl's decoded stage 2 is permitted by the model, and outcomes are equal (DESIGN §1). */
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import type { Outcome } from '../../model/types';
import type { Invariant, Snapshot, Violation } from '../invariants/types';
import { diffTable, rowText, type DiffPair, type DiffRow } from './diff';
import { implLeavesIn, type ImplLeaf } from './implLeaves';

type Snap = Snapshot<KvmModel, KvmImpl>;

/** Leaves with more pages than this in a touched range are checked at every `STRIDE`-th page plus their last. */
const FULL_CHECK_PAGES = 1024;
const STRIDE = 512;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Why the model does not permit impl leaf `l` at `gfn`, or null if it does. */
function refusal(model: KvmModel, l: ImplLeaf, gfn: number, page: number): { why: string; row: DiffRow | null } {
  const p = model.permitted(gfn);
  const row: DiffRow | null = p && { ipa: gfn * page, size: page, pa: p.pfn * page, perms: p.perms, memtype: p.memtype, leaf: p.maxLeafSize };
  const pa = l.pa + (gfn * page - l.ipa);
  if (!p) return { why: 'the model permits no mapping here', row };
  if (p.pfn * page !== pa) return { why: `pa ${hex(pa)} but the model permits pa ${hex(p.pfn * page)}`, row };
  if ((l.perms.r && !p.perms.r) || (l.perms.w && !p.perms.w) || (l.perms.x && !p.perms.x)) return { why: 'permissions exceed what the model permits', row };
  if (l.memtype !== p.memtype) return { why: `memtype ${l.memtype} but the model permits ${p.memtype}`, row };
  if (l.leaf > p.maxLeafSize) return { why: `leaf ${hex(l.leaf)} larger than the permitted ${hex(p.maxLeafSize)}`, row };
  return { why: '', row };
}

/** Pages of leaf `l` ∩ [a, b) to check, as gfns. */
function pagesToCheck(l: ImplLeaf, a: number, b: number, page: number): number[] {
  const first = Math.max(a, l.ipa) / page;
  const last = Math.min(b, l.ipa + l.size) / page - 1;
  const n = last - first + 1;
  const out: number[] = [];
  const step = n > FULL_CHECK_PAGES ? STRIDE : 1;
  for (let g = first; g <= last; g += step) out.push(g);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

function mappingViolation(s: Snap, l: ImplLeaf, gfn: number, page: number, why: string, model: DiffRow | null): Violation {
  const implRow: DiffRow | null = l.memtype === 'unknown' ? null : { ...l, memtype: l.memtype };
  const pairs: DiffPair[] = [{ model, impl: implRow }];
  return {
    invariant: MAPPING_PERMITTED.name, step: s.stepIndex, ipa: gfn * page,
    message: `step ${s.stepIndex} ${s.step.op}: impl leaf at ipa ${hex(gfn * page)}: ${why}\n${diffTable(pairs, 0)}`,
    expected: model ? `permitted ${rowText(model)}` : 'no mapping', actual: implRow ? rowText(implRow) : `leaf with unknown memattr at ${hex(l.ipa)}`,
  };
}

/** Every impl leaf page in the touched ranges fits what the model permits at that gfn (pfn, perms ⊆, memtype, leaf size ≤). */
export const MAPPING_PERMITTED: Invariant<KvmModel, KvmImpl> = {
  name: 'MAPPING_PERMITTED',
  statement: 'every impl stage-2 leaf page maps the permitted pfn with permitted perms, memtype and at most the permitted leaf size',
  source: 'DESIGN §1 (abstraction function); user_mem_abort, kvm_phys_addr_ioremap (facts §15)',
  check(s) {
    const page = s.config.granule;
    let found: Violation | null = null;
    for (const [a, b] of s.touched) {
      implLeavesIn(s.impl.pgt, a, b, (l) => {
        if (found) return;
        if (l.memtype === 'unknown') { found = mappingViolation(s, l, l.ipa / page, page, 'unknown MemAttr encoding', null); return; }
        for (const gfn of pagesToCheck(l, a, b, page)) {
          const r = refusal(s.model, l, gfn, page);
          if (r.why) { found = mappingViolation(s, l, gfn, page, r.why, r.row); return; }
        }
      });
      if (found) return found;
    }
    return null;
  },
};

/** Canonical text of an outcome (fixed key order, for equality and messages). */
export function outcomeText(o: Outcome): string {
  switch (o.kind) {
    case 'mmio': return `mmio{ipa ${hex(o.ipa)}, len ${o.len}, write ${o.write}}`;
    case 'nisv': return `nisv{ipa ${hex(o.ipa)}}`;
    case 'errno': return `errno{${o.errno}}`;
    case 'ok': return o.effective ? `ok{${o.effective}}` : 'ok';
    default: return o.kind;
  }
}

/**
 * The guest-visible form of a step's outcome. A split fault that installs (`ok`) and one that gives
 * up (`retry`, -EAGAIN at facts §15.4 step 13) both return to the guest, which re-executes the
 * faulting instruction: KVM may legitimately retry spuriously (DESIGN §1), so the two are equal here.
 */
function visibleText(s: Snap, o: Outcome): string {
  const split = s.step.op === 'faultBegin' || s.step.op === 'faultCommit';
  return split && (o.kind === 'retry' || (o.kind === 'ok' && !o.effective)) ? 'ok|retry' : outcomeText(o);
}

const listText = (xs: readonly number[] | undefined): string => (xs ? `[${xs.join(',')}]` : '');

/** Model and impl give the same guest-visible outcome for the step, including dirty lists and errnos. */
export const OUTCOME_EQUAL: Invariant<KvmModel, KvmImpl> = {
  name: 'OUTCOME_EQUAL',
  statement: 'every step has the same outcome on the model and the impl (access results, exits, errnos, dirty lists)',
  source: 'DESIGN §1 (guest-visible outcomes must be equal)',
  check(s) {
    if (s.modelSkipped) return null;
    const m = outcomeText(s.modelOutcome) + listText(s.dirty?.model);
    const i = outcomeText(s.implOutcome) + listText(s.dirty?.impl);
    if (visibleText(s, s.modelOutcome) + listText(s.dirty?.model) === visibleText(s, s.implOutcome) + listText(s.dirty?.impl)) return null;
    return {
      invariant: 'OUTCOME_EQUAL', step: s.stepIndex, expected: m, actual: i,
      message: `step ${s.stepIndex} ${s.step.op}: model ${m}, impl ${i}`,
      ...('ipa' in s.step ? { ipa: s.step.ipa } : {}),
    };
  },
};

/** The runner's own checks, run before ALL_INVARIANTS. */
export const COMPARISONS: readonly Invariant<KvmModel, KvmImpl>[] = [OUTCOME_EQUAL, MAPPING_PERMITTED];
