/** A violation is a known kernel finding only where the impl took that finding's path: other violations of the same invariant are new. */
import * as fs from 'fs';
import * as path from 'path';
import { KERNEL_PATHS } from '../impl/kernelPaths';
import { replayText } from '../properties/replay';
import { signatureKey } from './dedup';
import { KERNEL_FINDINGS, catchesKernelFinding, kernelFindingById, kernelFindingCorpusFile, knownKernelFinding } from './kernelFindings';

const corpus = (file: string): string => fs.readFileSync(path.join(__dirname, 'corpus', file), 'utf8');

describe('kernel findings are matched by the impl path taken, not by invariant alone', () => {
  test('every registered finding is one impl path and every impl path one finding', () => {
    expect(KERNEL_FINDINGS.map((k) => k.id).sort()).toEqual([...KERNEL_PATHS].sort());
  });

  test('the invariant alone is not enough: the path must have been taken at the step', () => {
    expect(knownKernelFinding('NO_FAULT_LIVELOCK', new Set())).toBeUndefined();
    expect(knownKernelFinding('NO_FAULT_LIVELOCK', new Set(['s1ptw-device-livelock']))).toBeUndefined();
    expect(knownKernelFinding('NO_FAULT_LIVELOCK', new Set(['pud-fault-level2-livelock']))?.id).toBe('pud-fault-level2-livelock');
    expect(catchesKernelFinding('NO_FAULT_LIVELOCK')).toBe(true);
    expect(kernelFindingById('pud-fault-level2-livelock')?.invariant).toBe('NO_FAULT_LIVELOCK');
  });

  test.each(KERNEL_FINDINGS.map((k) => [k.id, k] as const))('%s: its corpus trace fires its invariant as that known finding, recorded in found.known', (_id, k) => {
    const r = replayText(corpus(kernelFindingCorpusFile(k)));
    expect(r.verdict).toMatchObject({ kind: 'violation', invariant: k.invariant, known: k.id });
    expect(r.trace.found?.known).toBe(k.id);
    expect(r.matchesFound).toBe(true);
  });

  test('the stage-1 walk livelock also trips NO_FAULT_LIVELOCK, which is then new: the PUD livelock\'s path was not taken', () => {
    const r = replayText(corpus('kernel-s1ptw-device-livelock.json'));
    const livelock = r.violations.find((v) => v.invariant === 'NO_FAULT_LIVELOCK');
    expect(livelock).toBeDefined();
    expect(livelock?.known).toBeUndefined();
  });

  test('a known finding and a new violation of the same invariant never share a dedup key', () => {
    const known = signatureKey('NO_FAULT_LIVELOCK', 'access', [], [], 'pud-fault-level2-livelock');
    const fresh = signatureKey('NO_FAULT_LIVELOCK', 'access', []);
    expect(known).toBe('kernel pud-fault-level2-livelock []');
    expect(fresh).toBe('NO_FAULT_LIVELOCK @ access []');
  });
});
