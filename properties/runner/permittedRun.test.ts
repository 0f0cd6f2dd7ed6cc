/**
 * The run form of the model's spec is the spec: on generated worlds, every page of every run
 * permittedRun reports gets exactly what the per-page permitted returns; and MAPPING_PERMITTED,
 * which asks for runs, reports exactly the violations the page-by-page check reported.
 */
import * as fc from 'fast-check';
import { BUGS } from '../../impl/bugs';
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import type { PermittedMapping } from '../../model/kvm/permitted';
import type { Config, Granule } from '../../model/types';
import type { Invariant, Snapshot, Violation } from '../invariants/types';
import { genTraceArbitrary } from '../steps/arbitraries';
import { MAPPING_PERMITTED } from './compare';
import { diffTable, rowText, type DiffRow } from './diff';
import { implLeavesIn, type ImplLeaf } from './implLeaves';
import { runSteps } from './runner';

type Snap = Snapshot<KvmModel, KvmImpl>;

const text = (p: PermittedMapping | null): string => JSON.stringify(p);
const shifted = (p: PermittedMapping | null, k: number): PermittedMapping | null => p && { ...p, pfn: p.pfn + k };

/** Runs longer than this are checked at every page only at a trace's last step (else: both ends and a stride). */
const FULL_RUN = 1024;

/** The first page of the run from g (at most maxPages) where its claim differs from permitted, or null; and the run's length. */
function runMismatch(m: KvmModel, g: number, maxPages: number, everyPage: boolean): { bad: string | null; pages: number } {
  const run = m.permittedRun(g, maxPages);
  const say = (bad: string): { bad: string; pages: number } => ({ bad, pages: run.pages });
  if (!Number.isInteger(run.pages) || run.pages < 1 || run.pages > maxPages) return say(`gfn ${g}: run of ${run.pages} pages, max ${maxPages}`);
  if (run.mapping === null && run.pages !== 1) return say(`gfn ${g}: a null answer claims ${run.pages} pages`);
  for (let k = 0; k < run.pages; k++) {
    if (!everyPage && run.pages > FULL_RUN && k >= 256 && k < run.pages - 256 && k % 61 !== 0) continue;
    const want = text(m.permitted(g + k));
    const got = text(shifted(run.mapping, k));
    if (want !== got) return say(`run from gfn ${g} (${run.pages} pages): gfn ${g + k} is permitted ${want}, the run says ${got}`);
  }
  return { bad: null, pages: run.pages };
}

/** Pages skipped after a run shorter than this, except at the last step (long stretches of page-sized runs are sampled). */
const SHORT_RUN = 16;
const SKIP = 29;

/** Walk [lo, hi) run after run, asking for at most `cap(g)` pages each time; every run starts where the last ended unless `everyPage` is off and it was short. */
function walkRuns(m: KvmModel, lo: number, hi: number, cap: (g: number) => number, everyPage: boolean): string | null {
  for (let g = lo; g < hi;) {
    const r = runMismatch(m, g, Math.min(hi - g, cap(g)), everyPage);
    if (r.bad) return r.bad;
    g += r.pages + (everyPage || r.pages >= SHORT_RUN ? 0 : SKIP);
  }
  return null;
}

/** Pages past a memslot's end the walk over it goes on into (a run must stop at the slot's end). */
const PAST_SLOT = 1024;
/** Pages from the start of a touched range walked in runs of at most a few pages. */
const SHORT_WALK = 128;

/**
 * After every step: runs over every memslot (and past its end) and from every touched range, long
 * and capped at a few pages, claim only what permitted says; at the last step every page is checked.
 */
function runsExact(lastStep: number): Invariant<KvmModel, KvmImpl> {
  return {
    name: 'PERMITTED_RUN_EXACT', statement: 'permittedRun claims only what permitted says page by page', source: 'model/kvm/permittedRun.ts',
    check(s: Snap): Violation | null {
      const page = s.config.granule;
      const every = s.stepIndex === lastStep;
      let bad: string | null = null;
      for (const sl of s.model.memslots.values()) {
        const hi = sl.baseGfn + sl.npages + PAST_SLOT;
        bad ??= walkRuns(s.model, sl.baseGfn, hi, () => hi, every);
      }
      for (const [a, b] of s.touched) {
        const [lo, hi] = [a / page, Math.min(b / page, a / page + SHORT_WALK)];
        bad ??= walkRuns(s.model, lo, b / page, () => b / page, every) ?? walkRuns(s.model, lo, hi, (g) => 1 + (g % 7), true);
      }
      return bad === null ? null : { invariant: 'PERMITTED_RUN_EXACT', step: s.stepIndex, message: `step ${s.stepIndex} ${s.step.op}: ${bad}` };
    },
  };
}

/** Configs and how many traces each (4K traces cost most: 1G slots); PERMITTED_RUN_RUNS overrides the counts. */
const CONFIGS: ReadonlyArray<readonly [Partial<Config>, number]> = [
  [{}, 16], [{ fwb: true, dic: true }, 16], [{ granule: 16384 as Granule }, 20], [{ granule: 65536 as Granule }, 12],
];
const RUNS = process.env.PERMITTED_RUN_RUNS === undefined ? undefined : Number(process.env.PERMITTED_RUN_RUNS);

describe('permittedRun (model/kvm/permittedRun.ts)', () => {
  test.each(CONFIGS.map(([c, n]) => [JSON.stringify(c), c, n] as const))('every page of a run is what permitted says, config %s', (_, config, n) => {
    fc.assert(fc.property(genTraceArbitrary({ config, maxSteps: 60 }), (t) => {
      const r = runSteps(t.config, t.steps, { invariants: [runsExact(t.steps.length - 1)] });
      if (r.error) throw new Error(r.error.message);
      if (r.violations.length > 0) throw new Error(r.violations[0].message);
    }), { seed: 4242, numRuns: RUNS ?? n, endOnFailure: process.env.PERMITTED_RUN_NO_SHRINK === '1' });
  }, 300_000);
});

/* ---- the page-by-page MAPPING_PERMITTED as it was before runs (the reference) ---- */

const hex = (n: number): string => `0x${n.toString(16)}`;

function refRefusal(model: KvmModel, l: ImplLeaf, gfn: number, page: number): { why: string; row: DiffRow | null } {
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

function refPages(l: ImplLeaf, a: number, b: number, page: number): number[] {
  const first = Math.max(a, l.ipa) / page;
  const last = Math.min(b, l.ipa + l.size) / page - 1;
  const out: number[] = [];
  const step = last - first + 1 > 1024 ? 512 : 1;
  for (let g = first; g <= last; g += step) out.push(g);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

function refViolation(s: Snap, l: ImplLeaf, gfn: number, page: number, why: string, model: DiffRow | null): Violation {
  const implRow: DiffRow | null = l.memtype === 'unknown' ? null : { ...l, memtype: l.memtype };
  return {
    invariant: 'MAPPING_PERMITTED', step: s.stepIndex, ipa: gfn * page,
    message: `step ${s.stepIndex} ${s.step.op}: impl leaf at ipa ${hex(gfn * page)}: ${why}\n${diffTable([{ model, impl: implRow }], 0)}`,
    expected: model ? `permitted ${rowText(model)}` : 'no mapping', actual: implRow ? rowText(implRow) : `leaf with unknown memattr at ${hex(l.ipa)}`,
  };
}

const PAGE_BY_PAGE: Invariant<KvmModel, KvmImpl> = {
  name: 'MAPPING_PERMITTED', statement: MAPPING_PERMITTED.statement, source: MAPPING_PERMITTED.source,
  check(s) {
    const page = s.config.granule;
    let found: Violation | null = null;
    for (const [a, b] of s.touched) {
      implLeavesIn(s.impl.pgt, a, b, (l) => {
        if (found) return;
        if (l.memtype === 'unknown') { found = refViolation(s, l, l.ipa / page, page, 'unknown MemAttr encoding', null); return; }
        for (const gfn of refPages(l, a, b, page)) {
          const r = refRefusal(s.model, l, gfn, page);
          if (r.why) { found = refViolation(s, l, gfn, page, r.why, r.row); return; }
        }
      });
      if (found) return found;
    }
    return null;
  },
};

describe('MAPPING_PERMITTED over runs = page by page', () => {
  test('the same violations, step by step, with every historical bug switched on in turn', () => {
    const compared: string[] = [];
    for (const bug of BUGS.map((b) => b.name)) {
      let n = 0;
      fc.assert(fc.property(genTraceArbitrary({ config: { bugs: [bug] }, maxSteps: 60 }), (t) => {
        const ref = runSteps(t.config, t.steps, { invariants: [PAGE_BY_PAGE], collectAll: true });
        const now = runSteps(t.config, t.steps, { invariants: [MAPPING_PERMITTED], collectAll: true });
        n += ref.violations.length;
        expect({ bug, violations: now.violations, error: now.error }).toEqual({ bug, violations: ref.violations, error: ref.error });
      }), { seed: 5150, numRuns: 120 });
      compared.push(`${bug} ${n}`);
    }
    const total = compared.reduce((sum, c) => sum + Number(c.split(' ')[1]), 0);
    expect({ total: total >= 200, compared }).toEqual({ total: true, compared });
  }, 300_000);
});
