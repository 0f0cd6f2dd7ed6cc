/** OUTCOME_EQUAL's fast path (equal outcomes need no text) decides exactly as comparing the texts does. */
import * as fc from 'fast-check';
import type { KvmImpl } from '../../impl/kvm/index';
import type { KvmModel } from '../../model/index';
import type { Outcome } from '../../model/types';
import type { Snapshot, Violation } from '../invariants/types';
import type { Step } from '../trace/codec';
import { OUTCOME_EQUAL, outcomeText } from './compare';

type Snap = Snapshot<KvmModel, KvmImpl>;

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constantFrom<Outcome>({ kind: 'ok' }, { kind: 'ok', effective: 'normal-wb' }, { kind: 'ok', effective: 'device-nGnRE' },
    { kind: 'retry' }, { kind: 'skip' }, { kind: 'efault' }, { kind: 'enosys' }, { kind: 'sigbus' }, { kind: 'injectDabt' }, { kind: 'injectPabt' },
    { kind: 'errno', errno: 'EINVAL' }, { kind: 'errno', errno: 'EEXIST' }),
  fc.record({ kind: fc.constant('mmio' as const), ipa: fc.constantFrom(0x9000000, 0x9000008), len: fc.constantFrom(4, 8), write: fc.boolean() }),
  fc.record({ kind: fc.constant('nisv' as const), ipa: fc.constantFrom(0x9000000, 0x9000008) }),
);
const list = fc.option(fc.array(fc.nat(3), { maxLength: 3 }), { nil: undefined });
const step = fc.constantFrom<Step>(
  { op: 'access', vcpu: 0, ipa: 0x9000000, kind: 'read' } as Step, { op: 'faultBegin', vcpu: 0, ipa: 0x9000000, kind: 'write' } as Step,
  { op: 'faultCommit', vcpu: 0 } as Step, { op: 'getDirtyLog', slot: 0 } as Step,
);

/** The check as it was: texts only. */
function byText(s: Snap): Violation | null {
  const listText = (xs: readonly number[] | undefined): string => (xs ? `[${xs.join(',')}]` : '');
  const split = s.step.op === 'faultBegin' || s.step.op === 'faultCommit';
  const visible = (o: Outcome): string => (split && (o.kind === 'retry' || (o.kind === 'ok' && !o.effective)) ? 'ok|retry' : outcomeText(o));
  if (s.modelSkipped) return null;
  const m = outcomeText(s.modelOutcome) + listText(s.dirty?.model);
  const i = outcomeText(s.implOutcome) + listText(s.dirty?.impl);
  if (visible(s.modelOutcome) + listText(s.dirty?.model) === visible(s.implOutcome) + listText(s.dirty?.impl)) return null;
  return {
    invariant: 'OUTCOME_EQUAL', step: s.stepIndex, expected: m, actual: i,
    message: `step ${s.stepIndex} ${s.step.op}: model ${m}, impl ${i}`,
    ...('ipa' in s.step ? { ipa: s.step.ipa } : {}),
  };
}

test('OUTCOME_EQUAL decides as comparing outcome texts does', () => {
  fc.assert(fc.property(step, outcome, outcome, list, list, fc.boolean(), (st, a, b, da, db, same) => {
    const s = { stepIndex: 3, step: st, modelOutcome: a, implOutcome: same ? { ...a } : b, dirty: { model: da, impl: same ? da && [...da] : db } } as unknown as Snap;
    expect(OUTCOME_EQUAL.check(s)).toEqual(byText(s));
  }), { seed: 77, numRuns: 3000 });
});
