/** UNMAP_CLEANS_DCACHE's second case: a page the guest wrote around the cache must be invalidated before stage 2 lets go of it. */
import { runTrace } from '../runner/runner';
import { parseTrace } from '../trace/parse';
import type { Trace } from '../trace/schema';
import { unmapCleansDcache } from './unmapCleansDcache';

const trace = (bugs: string[], s1: 'nc' | 'normal'): Trace => parseTrace({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] },
    { op: 'access', vcpu: 0, ipa: '0x40000008', kind: 'write', s1 },
    { op: 'migrate', hva: '0x7f0000000000' },
  ],
});

const messages = (t: Trace): string[] => runTrace(t, { invariants: [unmapCleansDcache], collectAll: true }).violations.map((v) => v.message);

describe('UNMAP_CLEANS_DCACHE', () => {
  test('a non-cacheable write left uninvalidated by the unmap fires, naming the case', () => {
    const m = messages(trace(['unmap-without-dcache-clean'], 'nc'));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/written by the guest around the cache .* stale lines remain/);
  });

  test('a cacheable write names the dirty-line case', () => {
    expect(messages(trace(['unmap-without-dcache-clean'], 'normal'))[0]).toMatch(/through a cacheable mapping/);
  });

  test('silent on mainline, which cleans and invalidates the leaf it removes', () => {
    expect(messages(trace([], 'nc'))).toEqual([]);
    expect(messages(trace([], 'normal'))).toEqual([]);
  });
});
