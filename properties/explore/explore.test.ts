/** Exhaustive exploration: canonical fingerprints merge equal states, BFS gives shortest counterexamples, every bug is found in its scope. */
import * as fs from 'fs';
import * as path from 'path';
import { runSteps } from '../runner/runner';
import { DEFAULT_CONFIG, type Config } from '../../model/types';
import { decodeStep, parseTraceText, type Step } from '../trace';
import { fingerprint } from './fingerprint';
import { explore } from './search';
import { parseScope, SCOPES } from './scope';
import { bugScope } from './bugScopes';
import { BUGS } from '../../impl/bugs';

const CONFIG: Config = { ...DEFAULT_CONFIG, bugs: [] };
const steps = (xs: object[]): Step[] => xs.map((s) => decodeStep(s as never));
const fpOf = (xs: object[]): string => {
  let fp = '';
  runSteps(CONFIG, steps(xs), { inspect: (w) => { fp = fingerprint(w); } });
  return fp;
};
const MMAP = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' };
const SLOT = { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] };
const read = (ipa: string) => ({ op: 'access', vcpu: 0, ipa, kind: 'read' });
const write = (ipa: string) => ({ op: 'access', vcpu: 0, ipa, kind: 'write' });

describe('fingerprint', () => {
  test('two histories reaching the same state meet: pfns allocated in another order are renamed alike', () => {
    const ab = fpOf([MMAP, SLOT, write('0x40000000'), write('0x40001000')]);
    const ba = fpOf([MMAP, SLOT, write('0x40001000'), write('0x40000000')]);
    expect(ab).toBe(ba);
  });

  test('different states differ: a read maps read-only, a write writable; a seq that moved past a fault in flight shows as stale', () => {
    expect(fpOf([MMAP, SLOT, read('0x40000000')])).not.toBe(fpOf([MMAP, SLOT, write('0x40000000')]));
    const begin = { op: 'faultBegin', vcpu: 0, ipa: '0x40000000', kind: 'read' };
    const inv = [{ op: 'invalidateBegin', hva: '0x7f0000100000', size: '0x1000' }, { op: 'invalidateEnd', id: 0 }];
    expect(fpOf([MMAP, SLOT, begin, ...inv])).toMatch(/F0:40000000:read:stale/);
    expect(fpOf([MMAP, SLOT, ...inv, begin])).not.toMatch(/stale/);
  });
});

describe('explore', () => {
  const tiny = parseScope(SCOPES.tiny);

  test('tiny to depth 3: complete, no violation, the same states on every run (breadth-first and iterative deepening alike)', async () => {
    const a = await explore({ scope: tiny, config: tiny.configs[0], depth: 3, deadlineMs: null });
    expect(a.complete).toBe(true);
    expect(a.findings).toEqual([]);
    expect(a.frontier).toEqual([8, 27, 100]);
    expect(a.distinct).toBe(1 + 8 + 27 + 100);
    const b = await explore({ scope: tiny, config: tiny.configs[0], depth: 3, deadlineMs: null, iddfs: true });
    expect(b.distinct).toBe(a.distinct);
    expect(b.findings).toEqual([]);
  });

  test('a budget already spent: incomplete, and says how far it got', async () => {
    const r = await explore({ scope: tiny, config: tiny.configs[0], depth: 3, deadlineMs: 0 });
    expect(r.complete).toBe(false);
    expect(r.depthDone).toBe(0);
  });

  test('ro-device-writable is found breadth-first at depth 3, shorter than the fuzzer\'s shrunk corpus trace', async () => {
    const r = await explore({ scope: tiny, config: { ...tiny.configs[0], bugs: ['ro-device-writable'] }, depth: 3, deadlineMs: null });
    const f = r.findings.find((t) => t.found?.invariant === 'RO_SLOT_NEVER_WRITABLE');
    expect(f?.steps).toHaveLength(3);
    const corpus = parseTraceText(fs.readFileSync(path.join(__dirname, '..', '..', 'reports', 'corpus', 'ro-device-writable.json'), 'utf8'));
    expect(f?.steps.length).toBeLessThanOrEqual(corpus.steps.length);
  });

  // The quick ones here; `npm run mutants -- --explore` runs all sixteen (the README lists depths).
  test.each(['prepare-pfnmap-pgoff', 'cmo-ro-as-mmio', 's1ptw-always-write', 'huge-no-containment', 'annotation-not-refcounted'] as const)('%s is found in its own scope within depth 3', async (name) => {
    const scope = parseScope(bugScope(name));
    const r = await explore({ scope, config: { ...scope.configs[0], bugs: [name] }, depth: 3, deadlineMs: null });
    const want = BUGS.find((b) => b.name === name)?.invariant;
    expect(r.findings.map((t) => t.found?.invariant)).toContain(want);
  });
});
