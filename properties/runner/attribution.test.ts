/** One bug, one finding: failures are attributed to the enabled bugs they need, named by the bug's registered invariant, deduplicated by the bug. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { fuzzMain } from '../../cli/fuzz';
import { runMain, tmpDir } from '../../cli/testkit';
import { FindingSet, signatureOf } from '../../reports/dedup';
import { parseSummary } from '../../reports/schema';
import { decodeStep, parseTraceText, type Trace } from '../trace';
import { attributeFailure, bugsNeeded } from './attribution';
import { runTrace } from './runner';

const CONFIG = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline' };

/** A read of a read-only host pfnmap; `flags` of the slot; bugs on. */
function pfnmapRead(flags: string[], bugs: string[]): Trace {
  return parseTraceText(JSON.stringify({
    format: 's2check-trace/1', config: { ...CONFIG, bugs },
    steps: [
      { op: 'mmap', hva: '0x7f0000000000', size: '0x1000', prot: 'r', kind: 'pfnmap', pa: '0x10000000' },
      { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x1000', hva: '0x7f0000000000', flags },
      { op: 'access', vcpu: 0, ipa: '0x40000008', kind: 'read' },
    ],
  }));
}

const attribute = (t: Trace) => attributeFailure(t.config, t.steps.map(decodeStep), runTrace(t));

describe('attributeFailure', () => {
  test('ro-device-writable over a read-only host PTE in a writable slot: NO_STALE_PFN fires, caused by the bug', () => {
    expect(attribute(pfnmapRead([], ['ro-device-writable']))).toMatchObject({ invariant: 'NO_STALE_PFN', step: 2, cause: ['ro-device-writable'] });
  });

  test('when several fire at the failing step, the finding is named by the bug\'s registered invariant, not the first to fire', () => {
    const t = pfnmapRead(['READONLY'], ['ro-device-writable']);
    const r = runTrace(t);
    expect(r.violations.map((v) => v.invariant)).toEqual(expect.arrayContaining(['RO_SLOT_NEVER_WRITABLE', 'NO_STALE_PFN']));
    const noStaleFirst = { ...r, violations: [...r.violations].sort((a) => (a.invariant === 'NO_STALE_PFN' ? -1 : 1)) };
    expect(noStaleFirst.violations[0].invariant).toBe('NO_STALE_PFN');
    expect(attributeFailure(t.config, t.steps.map(decodeStep), noStaleFirst)).toMatchObject({ invariant: 'RO_SLOT_NEVER_WRITABLE', step: 2, cause: ['ro-device-writable'] });
  });

  test('a known kernel finding under an unrelated bug is not attributed to it (it fails without the bug too)', () => {
    const k = parseTraceText(readFileSync(join(__dirname, '..', '..', 'reports', 'corpus', 'kernel-pfnmap-prot-none-mapped.json'), 'utf8'));
    const t: Trace = { ...k, config: { ...k.config, bugs: ['no-mmu-seq-retry'] }, found: undefined };
    expect(attribute(t)).toMatchObject({ invariant: 'PROT_NONE_NEVER_MAPPED', cause: [] });
    expect(bugsNeeded(t.config, t.steps.map(decodeStep), 3)).toEqual([]);
  });

  test('no bugs on, no cause; a clean run, null', () => {
    expect(attribute(pfnmapRead([], []))).toBeNull();
  });
});

describe('dedup by cause', () => {
  const found = (t: Trace, invariant: string): Trace => ({ ...t, found: { invariant, step: 2, seed: 0, path: '', cause: ['ro-device-writable'] } });

  test('two invariants of one bug are one finding with one file name; the registered invariant names it whichever came first', () => {
    const a = found(pfnmapRead([], ['ro-device-writable']), 'NO_STALE_PFN');
    const b = found(pfnmapRead(['READONLY'], ['ro-device-writable']), 'RO_SLOT_NEVER_WRITABLE');
    expect(signatureOf(a)?.hash).toBe(signatureOf(b)?.hash);
    for (const order of [[a, b], [b, a]]) {
      const set = new FindingSet();
      for (const t of order) set.add(t);
      expect(set.size).toBe(1);
      const [e] = set.entries();
      expect(e.sig.text).toBe('RO_SLOT_NEVER_WRITABLE @ access [ro-device-writable] ← ro-device-writable');
      expect(e.hits).toBe(2);
    }
  });

  test('an unattributed finding keeps its old key (invariant @ op [bugs]), so committed corpora keep their hashes', () => {
    const t: Trace = { ...pfnmapRead([], []), found: { invariant: 'NO_STALE_PFN', step: 2, seed: 0, path: '' } };
    expect(signatureOf(t)?.key).toBe('NO_STALE_PFN @ access []');
  });
});

describe('fuzz --bugs ro-device-writable', () => {
  test('is one new finding, named RO_SLOT_NEVER_WRITABLE, with no pgprot or allowAnyUncached left in its trace', async () => {
    const out = tmpDir('s2check-attr-');
    const r = await runMain(fuzzMain, ['--bugs', 'ro-device-writable', '--runs', '600', '--seed', '3', '--max-steps', '20', '--out', out]);
    expect(r.code).toBe(1);
    const s = parseSummary(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
    const fresh = s.findings.filter((f) => f.known === undefined);
    expect(fresh.map((f) => f.cause)).toContainEqual(['ro-device-writable']);
    const mine = fresh.filter((f) => f.cause?.includes('ro-device-writable'));
    expect(mine).toHaveLength(1);
    expect(mine[0].invariant).toBe('RO_SLOT_NEVER_WRITABLE');
    expect(readFileSync(join(out, mine[0].file), 'utf8')).not.toMatch(/pgprot|allowAnyUncached/);
  }, 120_000);
});
