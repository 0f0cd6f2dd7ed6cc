/** Executability, the private window and the runner encoding (real/encode.ts). */
import { parseTrace, type Trace } from '../properties/trace';
import { encodeBatch, executablePart, layoutOf, notExecutable } from './encode';

const CONFIG = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] };
const trace = (steps: unknown[], config: object = {}): Trace => parseTrace({ format: 's2check-trace/1', config: { ...CONFIG, ...config }, steps });
const MMAP = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' };
const SLOT = { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['LOG_DIRTY'] };

describe('real/encode', () => {
  test('a step userspace cannot drive names the step and why', () => {
    const t = trace([MMAP, SLOT, { op: 'faultBegin', vcpu: 0, ipa: '0x40000000', kind: 'read' }]);
    expect(notExecutable(t)).toEqual({ step: 2, why: expect.stringContaining('faultBegin: a guest fault split') });
    expect(notExecutable(trace([{ ...MMAP, kind: 'pfnmap', pa: '0x100000000' }]))?.why).toMatch(/pfnmap of RAM/);
    expect(notExecutable(trace([{ ...MMAP, kind: 'pfnmap', pa: '0x10000000', pgprot: 'normal' }]))?.why).toMatch(/device or write-combining only/);
    expect(notExecutable(trace([{ ...MMAP, kind: 'pfnmap', pa: '0x10000000', allowAnyUncached: true }]))?.why).toMatch(/vfio-pci/);
    expect(notExecutable(trace([{ ...MMAP, kind: 'pfnmap', pa: '0x13f00000' }]))?.why).toMatch(/beyond the 0x4000000 BAR/);
    expect(notExecutable(trace([{ ...MMAP, kind: 'pfnmap', pa: '0x10001000', pgprot: 'nc' }]))).toBeNull();
    expect(notExecutable(trace([MMAP], { granule: 16384, iaBits: 40 }))).toEqual({ step: -1, why: expect.stringContaining('config.granule 16384') });
    expect(notExecutable(trace([{ op: 'access', vcpu: 2, ipa: '0x0', kind: 'read' }]))?.why).toMatch(/vcpu 2/);
    expect(notExecutable(trace([{ ...MMAP, hva: '0x400000', size: '0x1000' }]))?.why).toMatch(/runner's own address space/);
    expect(notExecutable(trace([MMAP, SLOT, { op: 'access', vcpu: 1, ipa: '0x40000000', kind: 'cas' }]))).toBeNull();
  });

  test('executablePart keeps a 1 GiB hugetlb mmap unless giantPages is false', () => {
    const t = parseTrace({ format: 's2check-trace/1', config: { granule: 4096, iaBits: 32, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] },
      steps: [{ op: 'mmap', hva: '0x7f0000000000', size: '0x40000000', prot: 'rw', kind: 'hugetlb', hugeSize: '0x40000000' },
        { op: 'mmap', hva: '0x7f0040000000', size: '0x200000', prot: 'rw', kind: 'hugetlb' }] });
    expect(executablePart(t).steps).toHaveLength(2);
    expect(executablePart(t, { giantPages: false }).steps.map((s) => s.op === 'mmap' && s.hugeSize)).toEqual([undefined]);
  });

  test('executablePart drops exactly the steps the runner cannot execute', () => {
    const t = trace([MMAP, { op: 'invalidateBegin', hva: '0x7f0000000000', size: '0x1000' }, SLOT, { op: 'invalidateEnd', id: 0 },
      { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 's1ptw_write' }, { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' }]);
    expect(executablePart(t).steps.map((s) => s.op)).toEqual(['mmap', 'setMemslot', 'access']);
    expect(notExecutable(executablePart(t))).toBeNull();
  });

  test('the private window is the highest free 4 MiB below the IPA limit, clear of slots and accesses', () => {
    expect(layoutOf(trace([MMAP, SLOT]))).toEqual({ window: 2 ** 40 - 0x400000, l0: [1] });
    const top = trace([MMAP, { ...SLOT, gpa: '0xffffc00000', size: '0x200000' }, { op: 'access', vcpu: 0, ipa: '0x7ffff000', kind: 'read' }]);
    expect(layoutOf(top)).toEqual({ window: 2 ** 40 - 0x800000, l0: [0, 1] });
    expect(layoutOf(trace([{ ...SLOT, gpa: '0x0', size: '0x100000000' }], { iaBits: 32 }))).toBeNull();
    // A walk's page is read as a stage-1 table through TTBR1: it needs no identity map of its own.
    expect(layoutOf(trace([MMAP, SLOT, { op: 'access', vcpu: 0, ipa: '0x8000001008', kind: 's1ptw_read' }]))).toEqual({ window: 2 ** 40 - 0x400000, l0: [1] });
  });

  test('walks and stage-1 memory types: s1ptw_read / at with a Normal stage 1 run, their s1 as a letter', () => {
    const acc = (kind: string, s1?: string) => ({ op: 'access', vcpu: 0, ipa: '0x40001008', kind, ...(s1 ? { s1 } : {}) });
    const t = trace([MMAP, SLOT, acc('s1ptw_read'), acc('at'), acc('read', 'device'), acc('exec', 'nc')]);
    expect(notExecutable(t)).toBeNull();
    expect(encodeBatch([{ index: 0, trace: t }]).split('\n').filter((l) => l.startsWith('A'))).toEqual([
      'A 0 40001008 s1ptw_read n', 'A 0 40001008 at n', 'A 0 40001008 read d', 'A 0 40001008 exec c',
    ]);
    expect(notExecutable(trace([acc('s1ptw_read', 'device')]))?.why).toMatch(/table walks use Normal memory/);
  });

  test('s1ptw_write runs only where a vmmWrite left a valid descriptor with AF clear in the word it walks', () => {
    const acc = (kind: string, ipa = '0x40001008') => ({ op: 'access', vcpu: 0, ipa, kind });
    const W = { op: 'vmmWrite', hva: '0x7f0000001000' };
    const refused = (steps: unknown[]): string | undefined => notExecutable(trace(steps))?.why;
    expect(refused([MMAP, SLOT, acc('s1ptw_write')])).toMatch(/s1ptw_write at 0x40001008: .*no vmmWrite left one/);
    const armed = trace([MMAP, SLOT, W, acc('s1ptw_read'), acc('s1ptw_write')]);
    expect(notExecutable(armed)).toBeNull();
    expect(encodeBatch([{ index: 0, trace: armed }]).split('\n').slice(3, 6)).toEqual(['W 7f0000001000', 'A 0 40001008 s1ptw_read n', 'A 0 40001008 s1ptw_write n']);
    // The walker set AF: that word is spent, its neighbour is not; a guest store zeroes the word it hits.
    expect(refused([MMAP, SLOT, W, acc('s1ptw_write'), acc('s1ptw_write')])).toMatch(/s1ptw_write at 0x40001008/);
    expect(refused([MMAP, SLOT, W, acc('s1ptw_write'), acc('s1ptw_write', '0x40001010')])).toBeUndefined();
    expect(refused([MMAP, SLOT, W, acc('write'), acc('s1ptw_write')])).toMatch(/s1ptw_write at 0x40001008/);
    expect(refused([MMAP, SLOT, W, acc('dc_zva', '0x40001030'), acc('s1ptw_write')])).toMatch(/s1ptw_write/);
    expect(refused([MMAP, SLOT, W, acc('dc_zva', '0x40001040'), acc('s1ptw_write')])).toBeUndefined();
    // A zap frees an anon page (a refault is zeros) unless a userfaultfd handler hands the written page back.
    const zap = { op: 'madviseDontneed', hva: '0x7f0000000000', size: '0x200000' };
    expect(refused([MMAP, SLOT, W, zap, acc('s1ptw_write')])).toMatch(/s1ptw_write/);
    expect(refused([{ ...MMAP, uffd: true }, SLOT, W, zap, acc('s1ptw_write')])).toBeUndefined();
    // A store the VMA refuses (EFAULT) leaves nothing; a VMM write after a walker write re-arms the word.
    expect(refused([{ ...MMAP, prot: 'r' }, SLOT, W, acc('s1ptw_write')])).toMatch(/s1ptw_write/);
    expect(refused([MMAP, SLOT, W, acc('s1ptw_write'), W, acc('s1ptw_write')])).toBeUndefined();
    // Where stage 2 may map the page with a block (no dirty logging), QEMU 7.2 would mis-size the walker's permission fault.
    const HUGE = { ...MMAP, kind: 'hugetlb', hugeSize: '0x200000' };
    expect(refused([HUGE, { ...SLOT, flags: [] }, acc('read'), W, acc('s1ptw_write')])).toMatch(/block, and QEMU 7\.2 reports/);
    expect(refused([HUGE, SLOT, acc('read'), W, acc('s1ptw_write')])).toBeUndefined();
    // executablePart drops an s1ptw_write it cannot run, and every one on a CPU without FEAT_HAFDBS.
    const mixed = trace([MMAP, SLOT, acc('s1ptw_write'), W, acc('s1ptw_write')]);
    expect(executablePart(mixed).steps.map((s) => (s.op === 'access' ? s.kind : s.op))).toEqual(['mmap', 'setMemslot', 'vmmWrite', 's1ptw_write']);
    expect(executablePart(mixed, { hafdbs: false }).steps.map((s) => s.op)).toEqual(['mmap', 'setMemslot', 'vmmWrite']);
  });

  test('the encoding is one line per step between T and E, numbers in hex', () => {
    const t = trace([MMAP, SLOT, { op: 'access', vcpu: 1, ipa: '0x40000008', kind: 'write' }, { op: 'getDirtyLog', slot: 0 },
      { op: 'clearDirtyLog', slot: 0, first: 0, count: 64 }, { op: 'mprotect', hva: '0x7f0000000000', size: '0x1000', prot: 'r' },
      { ...MMAP, prot: 'none', kind: 'pfnmap', pa: '0x10201000', pgprot: 'nc' }]);
    expect(encodeBatch([{ index: 7, trace: t }]).split('\n')).toEqual([
      'T 7 28 0 0 ffffc00000 2 0 1', 'M 7f0000000000 200000 3 a 200000 0', 'S 0 1 40000000 200000 7f0000000000',
      'A 1 40000008 write n', 'G 0', 'C 0 0 40', 'P 7f0000000000 1000 1', 'M 7f0000000000 200000 0 p 201000 1', 'E', '',
    ]);
  });
});
