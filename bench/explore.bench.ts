/**
 * Exploration's expansion cost (issue 17): a transition at depth 6 replays its 5-step path, then runs
 * the new step, every check after each; the fingerprint is the other cost. A world clone would skip
 * the replay: `replayShare` is the most it could save; `fingerprintShare` what canonical states cost.
 */
import { DEFAULT_CONFIG, type Config } from '../model/types';
import { fingerprint } from '../properties/explore/fingerprint';
import { runSteps } from '../properties/runner/runner';
import { decodeStep, type Step } from '../properties/trace';
import { registerSuite, timeNs } from './registry';

const CONFIG: Config = { ...DEFAULT_CONFIG, bugs: [] };
const PATH: Step[] = [
  { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
  { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['LOG_DIRTY'] },
  { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'write' },
  { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'read' },
  { op: 'getDirtyLog', slot: 0 },
  { op: 'munmap', hva: '0x7f0000001000', size: '0x1000' },
].map((s) => decodeStep(s as never));

const ROUNDS = 400;
let sink = 0;

function perRun(steps: readonly Step[], fp: boolean): number {
  let total = 0;
  for (let r = 0; r < ROUNDS; r++) total += timeNs(() => { runSteps(CONFIG, steps, fp ? { inspect: (w) => { sink += fingerprint(w).length; } } : {}); });
  return total / ROUNDS;
}

registerSuite({
  name: 'explore',
  cases: [
    { name: 'explore.transition6', unit: 'ns/op', run: () => perRun(PATH, true) },
    { name: 'explore.run6', unit: 'ns/op', run: () => perRun(PATH, false) },
    { name: 'explore.run5', unit: 'ns/op', run: () => perRun(PATH.slice(0, 5), false) },
  ],
  derive: (m) => ({
    transitionUs: m('explore.transition6') / 1000,
    replayShare: m('explore.run5') / m('explore.transition6'),
    fingerprintShare: (m('explore.transition6') - m('explore.run6')) / m('explore.transition6'),
    sink: sink % 2,
  }),
});
