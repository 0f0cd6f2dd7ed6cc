/** An ioremap request at a slot gfn makes its leaf an ioremap leaf only while the leaf still maps that pfn as Device. */
import { replayText } from '../../replay';

// ioremap a page inside a slot; replacing the slot's VMA unmaps it; a stage-1 walk write then maps the slot's PROT_NONE
// pfnmap page read-only (its translation fault counts as a read) and fails on the write: EFAULT on both sides, but a leaf is left.
const TRACE = JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] },
    { op: 'ioremap', ipa: '0x40000000', pa: '0x8000000', size: '0x1000', writable: true },
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'none', kind: 'pfnmap', pgprot: 'normal', pa: '0x100001000' },
    { op: 'access', vcpu: 0, ipa: '0x40000008', kind: 's1ptw_write' },
  ],
});

describe('ioremapLeafAt', () => {
  test('a fault-installed leaf where an ioremap once was is judged as the slot\'s: the PROT_NONE kernel finding, not a mapping the model never permits', () => {
    const r = replayText(TRACE);
    expect(r.verdict).toEqual({ kind: 'violation', invariant: 'PROT_NONE_NEVER_MAPPED', step: 4, known: 'pfnmap-prot-none-mapped' });
  });
});
