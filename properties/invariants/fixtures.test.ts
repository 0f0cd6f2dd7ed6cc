/** Every invariant fires on its fixture (historical switch on, or a forged snapshot) and is silent on the clean mainline run. */
import * as fs from 'fs';
import * as path from 'path';
import { BUGS } from '../../impl/bugs';
import { runTrace } from '../runner/runner';
import { parseTraceText } from '../trace/parse';
import type { Trace } from '../trace/schema';
import { ALL_INVARIANTS, invariantByName } from './index';
import type { Invariant, Snapshot } from './types';
import type { InvSnapshot } from './lib/view';
import { FORGES } from './testkit/forges';
import { catchesKernelFinding } from '../../reports/kernelFindings';
import { CaseCounter } from '../runner/cases';

const DIR = path.resolve(__dirname, '..', 'fixtures');
const load = (name: string): Trace => parseTraceText(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8'));

/**
 * Invariants that catch a known kernel finding may have a kernel trace as fixture (no historical bug,
 * no forge), on which they must fire; one whose fixture is bug-driven (NO_STALE_PFN: seed 001's
 * missing retry; its finding's trace is in reports/corpus) is tested like the others.
 */
const hasKernelFixture = (name: string): boolean => catchesKernelFinding(name) && load(name).config.bugs.length === 0 && FORGES[name] === undefined;
const BUG_OR_FORGE = ALL_INVARIANTS.map((i) => [i.name, i] as const).filter(([n]) => !hasKernelFixture(n));
const KERNEL = ALL_INVARIANTS.map((i) => [i.name, i] as const).filter(([n]) => hasKernelFixture(n));
const clean = (t: Trace): Trace => ({ ...t, config: { ...t.config, bugs: [] } });

/** The invariant, with the forge applied at the trace's last step when `forge` is given. */
function checked(inv: Invariant, last: number, forge?: (s: InvSnapshot) => InvSnapshot): Invariant {
  if (!forge) return inv;
  return { ...inv, check: (s: Snapshot, cases) => inv.check((s.stepIndex === last ? forge(s as InvSnapshot) : s) as Snapshot, cases) };
}

/** A case counter that also remembers at which steps any case was noted. */
class StepCases extends CaseCounter {
  step = -1;
  readonly at = new Set<number>();
  override nextStep(): void { super.nextStep(); this.step++; }
  override saw(name: string): void { super.saw(name); this.at.add(this.step); }
}

function run(t: Trace, inv: Invariant, forge?: (s: InvSnapshot) => InvSnapshot, cases?: CaseCounter) {
  const r = runTrace(t, { invariants: [checked(inv, t.steps.length - 1, forge)], collectAll: true, cases });
  expect(r.error).toBeUndefined();
  return r.violations;
}

/** Every check that fires noted a case at that step: a violation is never counted as vacuous. */
function expectCaseAtFailure(name: string, inv: Invariant, t: Trace, forge?: (s: InvSnapshot) => InvSnapshot): void {
  const cases = new StepCases();
  const vs = run(t, inv, forge, cases);
  expect(vs.length).toBeGreaterThan(0);
  for (const v of vs) expect(cases.at.has(v.step)).toBe(true);
  expect(cases.counts[name]).toBeGreaterThan(0);
}

describe('invariant registry', () => {
  it('has unique names, including every name impl/bugs.ts refers to', () => {
    const names = ALL_INVARIANTS.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const b of BUGS) expect(invariantByName(b.invariant)?.name).toBe(b.invariant);
    expect(names.length).toBeGreaterThanOrEqual(21);
  });
});

describe.each(BUG_OR_FORGE)('%s', (name, inv) => {
  const t = load(name);
  const forge = FORGES[name];

  it('has a fixture that is either bug-driven or forged', () => {
    expect(t.config.bugs.length > 0 || forge !== undefined).toBe(true);
  });

  it('fires on its fixture', () => {
    const vs = run(t, inv as Invariant, forge);
    expect(vs.length).toBeGreaterThan(0);
    expect(vs[0].invariant).toBe(name);
    expect(vs[0].step).toBe(t.steps.length - 1);
  });

  it('noted a case at the step where it fires (non-vacuous coverage)', () => expectCaseAtFailure(name, inv as Invariant, t, forge));

  it('is silent on the clean mainline run of the same fixture', () => {
    expect(run(clean(t), inv as Invariant)).toEqual([]);
  });
});

describe.each(KERNEL)('%s (a known kernel finding)', (name, inv) => {
  const t = load(name);
  it('has a mainline fixture (no historical bug, no forge)', () => {
    expect(t.config.bugs).toEqual([]);
    expect(FORGES[name]).toBeUndefined();
  });
  it('noted a case at the step where it fires (non-vacuous coverage)', () => expectCaseAtFailure(name, inv as Invariant, t));
  it('fires on its fixture at the last step, first of every invariant', () => {
    const vs = run(t, inv as Invariant);
    expect(vs.map((v) => v.step)).toEqual([t.steps.length - 1]);
    const all = runTrace(t, { invariants: ALL_INVARIANTS as readonly Invariant[] }).violations;
    expect(all[0]?.invariant).toBe(name);
  });
});

describe('no false positives across fixtures', () => {
  it.each(BUG_OR_FORGE.map(([n]) => n))('clean %s fixture passes every invariant', (name) => {
    const t = clean(load(name));
    const r = runTrace(t, { invariants: ALL_INVARIANTS as readonly Invariant[], collectAll: true });
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    expect(r.stats.steps).toBe(t.steps.length);
  });
});
