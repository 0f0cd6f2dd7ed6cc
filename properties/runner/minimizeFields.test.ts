/** Field-level shrinking: optional fields a finding does not need are dropped, sizes halved, needed ones kept, the trace cut after its failing step. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseTraceText, type Trace } from '../trace';
import { minimizeFields } from './minimizeFields';

const corpus = (name: string): Trace => parseTraceText(readFileSync(join(__dirname, '..', '..', 'reports', 'corpus', name), 'utf8'));
const same = (t: Trace) => (f: { invariant: string }, op: string): boolean => f.invariant === t.found?.invariant && op === t.steps[t.found.step].op;

describe('minimizeFields', () => {
  test('nc-without-allow-uncached loses the uffd, pgprot and allowAnyUncached (the bug maps any device pfnmap Normal-NC) and halves every size down to a page', () => {
    const t = corpus('nc-without-allow-uncached.json');
    const m = minimizeFields(t, same(t));
    expect(m.found?.invariant).toBe('DEVICE_MEMTYPE');
    expect(m.steps.slice(0, 3)).toEqual([
      { op: 'mmap', hva: '0x7f0000000000', size: '0x1000', prot: 'rw', kind: 'anon' },
      { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x1000', hva: '0x7f0000000000', flags: [] },
      { op: 'mmap', hva: '0x7f0000000000', size: '0x1000', prot: 'rw', kind: 'pfnmap', pa: '0x10000000' },
    ]);
    expect(m.steps.length).toBe((m.found?.step ?? -1) + 1);
  });

  test('a field the finding needs stays: cacheable-pfnmap-without-fwb keeps pgprot normal (without it the pfnmap is Device and the bug cannot show)', () => {
    const t = corpus('cacheable-pfnmap-without-fwb.json');
    const m = minimizeFields(t, same(t));
    expect(m.found?.invariant).toBe(t.found?.invariant);
    expect(m.steps.find((s) => s.op === 'mmap' && s.kind === 'pfnmap')).toMatchObject({ pgprot: 'normal' });
  });

  test('ro-device-writable with pgprot and allowAnyUncached spelled out: both go, the finding stays RO_SLOT_NEVER_WRITABLE', () => {
    const t = parseTraceText(JSON.stringify({
      format: 's2check-trace/1', config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: ['ro-device-writable'] },
      steps: [
        { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'pfnmap', pgprot: 'device', allowAnyUncached: false, pa: '0x10000000' },
        { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['READONLY'] },
        { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read', s1: 'normal' },
        { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'read' },
      ],
      found: { invariant: 'RO_SLOT_NEVER_WRITABLE', step: 2, seed: 0, path: '' },
    }));
    const m = minimizeFields(t, same(t));
    expect(m.found).toMatchObject({ invariant: 'RO_SLOT_NEVER_WRITABLE', step: 2 });
    expect(m.steps).toHaveLength(3);
    expect(JSON.stringify(m.steps)).not.toMatch(/pgprot|allowAnyUncached|"s1"/);
  });

  test('a trace without found is returned as it is', () => {
    const t = corpus('nc-without-allow-uncached.json');
    const bare = { ...t, found: undefined };
    expect(minimizeFields(bare, () => true)).toBe(bare);
  });
});
