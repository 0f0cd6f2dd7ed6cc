/** Tests of stage-1/stage-2 memory-type combining: every row of facts §11.1 and §11.2. */
import type { EffectiveMemType, MemType, S1MemType } from '../types';
import { ALL_FWB_CLASSES, ALL_MEM_TYPES, combineFwb, combineNoFwb, effectiveMemType, type S2FwbClass } from './combine';

const nE: EffectiveMemType = 'device-nGnRnE';
const E: EffectiveMemType = 'device-nGnRE';
const RE: EffectiveMemType = 'device-nGRE';
const G: EffectiveMemType = 'device-GRE';
const NC: EffectiveMemType = 'normal-nc';
const WT: EffectiveMemType = 'normal-wt';
const WB: EffectiveMemType = 'normal-wb';

/** FWB = 0, transcribed from the Arm ARM table: row = stage 1, columns = stage 2 [nE, E, RE, G, NC, WT, WB]. */
const NO_FWB: Record<EffectiveMemType, EffectiveMemType[]> = {
  'device-nGnRnE': [nE, nE, nE, nE, nE, nE, nE],
  'device-nGnRE': [nE, E, E, E, E, E, E],
  'device-nGRE': [nE, E, RE, RE, RE, RE, RE],
  'device-GRE': [nE, E, RE, G, G, G, G],
  'normal-nc': [nE, E, RE, G, NC, NC, NC],
  'normal-wt': [nE, E, RE, G, NC, WT, WT],
  'normal-wb': [nE, E, RE, G, NC, WT, WB],
};

/** FWB = 1: row = stage 1, columns = stage-2 class [nE, E, RE, G, fwb-nc, fwb-force-wb, fwb-use-s1]. */
const FWB: Record<EffectiveMemType, EffectiveMemType[]> = {
  'device-nGnRnE': [nE, nE, nE, nE, nE, WB, nE],
  'device-nGnRE': [nE, E, E, E, E, WB, E],
  'device-nGRE': [nE, E, RE, RE, RE, WB, RE],
  'device-GRE': [nE, E, RE, G, G, WB, G],
  'normal-nc': [nE, E, RE, G, NC, WB, NC],
  'normal-wt': [nE, E, RE, G, NC, WB, WT],
  'normal-wb': [nE, E, RE, G, NC, WB, WB],
};

const noFwbRows: [EffectiveMemType, EffectiveMemType, EffectiveMemType][] = ALL_MEM_TYPES.flatMap((s1) =>
  ALL_MEM_TYPES.map((s2, i): [EffectiveMemType, EffectiveMemType, EffectiveMemType] => [s1, s2, NO_FWB[s1][i]]));

const fwbRows: [EffectiveMemType, S2FwbClass, EffectiveMemType][] = ALL_MEM_TYPES.flatMap((s1) =>
  ALL_FWB_CLASSES.map((s2, i): [EffectiveMemType, S2FwbClass, EffectiveMemType] => [s1, s2, FWB[s1][i]]));

describe('combineNoFwb (facts §11.1)', () => {
  test('table covers all 49 combinations', () => expect(noFwbRows).toHaveLength(49));
  test.each(noFwbRows)('S1 %s + S2 %s = %s', (s1, s2, want) => {
    expect(combineNoFwb(s1, s2)).toBe(want);
  });
});

describe('combineFwb (facts §11.2)', () => {
  test('table covers all 49 combinations', () => expect(fwbRows).toHaveLength(49));
  test.each(fwbRows)('S1 %s + S2 class %s = %s', (s1, s2, want) => {
    expect(combineFwb(s1, s2)).toBe(want);
  });
});

/** The trace-level form: KVM's three stage-2 types against the trace's three guest types. */
const traceRows: [S1MemType, MemType, boolean, EffectiveMemType][] = [
  ['normal', 'normal', false, WB], ['nc', 'normal', false, NC], ['device', 'normal', false, E],
  ['normal', 'nc', false, NC], ['nc', 'nc', false, NC], ['device', 'nc', false, E],
  ['normal', 'device', false, E], ['nc', 'device', false, E], ['device', 'device', false, E],
  ['normal', 'normal', true, WB], ['nc', 'normal', true, WB], ['device', 'normal', true, WB],
  ['normal', 'nc', true, NC], ['nc', 'nc', true, NC], ['device', 'nc', true, E],
  ['normal', 'device', true, E], ['nc', 'device', true, E], ['device', 'device', true, E],
];

describe('effectiveMemType (trace types, facts §11 consequences)', () => {
  test.each(traceRows)('s1 %s, s2 %s, fwb %s = %s', (s1, s2, fwb, want) => {
    expect(effectiveMemType(s1, s2, fwb)).toBe(want);
  });
});
