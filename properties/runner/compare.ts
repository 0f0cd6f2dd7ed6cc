/** The two comparison invariants: the impl's decoded stage 2 is permitted by the model, and outcomes are equal (DESIGN §1). */
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import type { PermittedMapping } from '../../model/kvm/permitted';
import type { Outcome } from '../../model/types';
import type { Invariant, Snapshot, Violation } from '../invariants/types';
import { diffTable, rowText, type DiffPair, type DiffRow } from './diff';
import { implLeavesIn, type ImplLeaf } from './implLeaves';

type Snap = Snapshot<KvmModel, KvmImpl>;

/** Leaves with more pages than this in a touched range are checked at every `STRIDE`-th page plus their last. */
const FULL_CHECK_PAGES = 1024;
const STRIDE = 512;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Why the model's answer `p` at `gfn` does not permit impl leaf `l` there ('' if it does). */
function refusal(p: PermittedMapping | null, l: ImplLeaf, gfn: number, page: number): string {
  const pa = l.pa + (gfn * page - l.ipa);
  if (!p) return 'the model permits no mapping here';
  if (p.pfn * page !== pa) return `pa ${hex(pa)} but the model permits pa ${hex(p.pfn * page)}`;
  if ((l.perms.r && !p.perms.r) || (l.perms.w && !p.perms.w) || (l.perms.x && !p.perms.x)) return 'permissions exceed what the model permits';
  if (l.memtype !== p.memtype) return `memtype ${l.memtype} but the model permits ${p.memtype}`;
  if (l.leaf > p.maxLeafSize) return `leaf ${hex(l.leaf)} larger than the permitted ${hex(p.maxLeafSize)}`;
  return '';
}

/** The model's answer at `gfn` as a diff row. */
function permittedRow(p: PermittedMapping | null, gfn: number, page: number): DiffRow | null {
  return p && { ipa: gfn * page, size: page, pa: p.pfn * page, perms: p.perms, memtype: p.memtype, leaf: p.maxLeafSize };
}

/**
 * The gfn checked after `g` among the pages of a leaf ∩ range ending at `last`: every page, or for
 * leaves of more than FULL_CHECK_PAGES pages every STRIDE-th from the first plus the last.
 */
function nextChecked(g: number, last: number, step: number): number {
  return g === last ? last + 1 : Math.min(g + step, last);
}

/**
 * The first checked page of leaf `l` ∩ [a, b) that the model refuses, or null. The model answers
 * for a run of pages at once (permittedRun: page g + k gets pfn + k, the rest equal), and the leaf's
 * pa also advances by a page per page, so a run whose first page fits fits throughout: the pages
 * it covers need no question of their own, and the first refused page is the same as asking page by page.
 */
function firstRefused(s: Snap, l: ImplLeaf, a: number, b: number, page: number): Violation | null {
  const first = Math.max(a, l.ipa) / page;
  const last = Math.min(b, l.ipa + l.size) / page - 1;
  const step = last - first + 1 > FULL_CHECK_PAGES ? STRIDE : 1;
  let fitsUntil = first; // checked pages below this fit a run the model answered
  for (let g = first; g <= last; g = nextChecked(g, last, step)) {
    if (g < fitsUntil) continue;
    const run = s.model.permittedRun(g, last - g + 1);
    const why = refusal(run.mapping, l, g, page);
    if (why) return mappingViolation(s, l, g, page, why, permittedRow(run.mapping, g, page));
    fitsUntil = g + run.pages;
  }
  return null;
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
  check(s, cases) {
    const page = s.config.granule;
    let found: Violation | null = null;
    for (const [a, b] of s.touched) {
      implLeavesIn(s.impl.pgt, a, b, (l) => {
        if (found) return;
        cases?.saw('MAPPING_PERMITTED'); // a leaf
        if (l.memtype === 'unknown') { found = mappingViolation(s, l, l.ipa / page, page, 'unknown MemAttr encoding', null); return; }
        found = firstRefused(s, l, a, b, page);
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

/** a and b print the same (outcomeText), checked without building the text: every field outcomeText prints is compared. */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  switch (a.kind) {
    case 'mmio': return b.kind === 'mmio' && a.ipa === b.ipa && a.len === b.len && a.write === b.write;
    case 'nisv': return b.kind === 'nisv' && a.ipa === b.ipa;
    case 'errno': return b.kind === 'errno' && a.errno === b.errno;
    case 'ok': return b.kind === 'ok' && a.effective === b.effective;
    default: return a.kind === b.kind;
  }
}

/** a and b print the same (listText). */
function sameList(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Model and impl give the same guest-visible outcome for the step, including dirty lists and errnos. */
export const OUTCOME_EQUAL: Invariant<KvmModel, KvmImpl> = {
  name: 'OUTCOME_EQUAL',
  statement: 'every step has the same outcome on the model and the impl (access results, exits, errnos, dirty lists)',
  source: 'DESIGN §1 (guest-visible outcomes must be equal)',
  check(s, cases) {
    if (s.modelSkipped) return null;
    cases?.saw('OUTCOME_EQUAL'); // every step both sides run
    // Equal outcomes print equal: the common case needs no text (the texts below decide the rest).
    if (sameOutcome(s.modelOutcome, s.implOutcome) && sameList(s.dirty?.model, s.dirty?.impl)) return null;
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
