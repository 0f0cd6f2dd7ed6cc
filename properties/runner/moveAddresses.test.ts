/** Address moves: whole windows of one address space slide down together, offsets kept; minimizeFields keeps a move only while the finding recurs. */
import { parseTraceText, decodeStep, type Trace } from '../trace';
import { addressMoves } from './moveAddresses';
import { minimizeFields } from './minimizeFields';

/** ro-device-writable in a READONLY slot placed in the generator's fourth window (gpa 4 GiB, hva window 3). */
const far: Trace = parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: ['ro-device-writable'] },
  steps: [
    { op: 'mmap', hva: '0x7f00c0000000', size: '0x1000', prot: 'rw', kind: 'pfnmap', pa: '0x10000000' },
    { op: 'setMemslot', slot: 3, gpa: '0x100000000', size: '0x1000', hva: '0x7f00c0000000', flags: ['READONLY'] },
    { op: 'access', vcpu: 0, ipa: '0x100000010', kind: 'read' },
  ],
  found: { invariant: 'RO_SLOT_NEVER_WRITABLE', step: 2, seed: 0, path: '', cause: ['ro-device-writable'] },
}));

test('each candidate moves one used window of one space down, every address in it alike', () => {
  const moves = addressMoves(far.steps.map(decodeStep), 4096);
  const ipaMove = moves[0];
  expect(ipaMove[1]).toMatchObject({ op: 'setMemslot', gpa: 0x40000000, hva: 0x7f00c0000000 });
  expect(ipaMove[2]).toMatchObject({ op: 'access', ipa: 0x40000010 });
  const hvaMove = moves[1];
  expect(hvaMove[0]).toMatchObject({ op: 'mmap', hva: 0x7f0000000000 });
  expect(hvaMove[1]).toMatchObject({ op: 'setMemslot', gpa: 0x100000000, hva: 0x7f0000000000 });
  expect(moves).toHaveLength(2); // the pa (0x10000000) already lies in the lowest window
});

test('minimizeFields moves the finding to the lowest windows while it recurs', () => {
  const m = minimizeFields(far, (f) => f.invariant === 'RO_SLOT_NEVER_WRITABLE');
  expect(m.steps.map((s) => [s.op, 'gpa' in s ? s.gpa : undefined, 'hva' in s ? s.hva : undefined, 'ipa' in s ? s.ipa : undefined])).toEqual([
    ['mmap', undefined, '0x7f0000000000', undefined],
    ['setMemslot', '0x40000000', '0x7f0000000000', undefined],
    ['access', undefined, undefined, '0x40000010'],
  ]);
});

test('a used window is never moved into: with an ioremap in window 1 the slot goes to window 2', () => {
  const withIoremap = [...far.steps.slice(0, 2), { op: 'ioremap', ipa: '0x48000000', pa: '0x8000000', size: '0x1000', writable: true }, far.steps[2]];
  const t = parseTraceText(JSON.stringify({ ...far, steps: withIoremap, found: { ...far.found, step: 3 } }));
  const m = minimizeFields(t, (f) => f.invariant === 'RO_SLOT_NEVER_WRITABLE');
  expect(m.steps[1]).toMatchObject({ op: 'setMemslot', gpa: '0x80000000' });
  expect(m.steps[2]).toMatchObject({ op: 'ioremap', ipa: '0x48000000' });
  expect(m.steps[3]).toMatchObject({ op: 'access', ipa: '0x80000010' });
});

test('a hand-written trace (one with an expect) keeps its addresses', () => {
  const t = parseTraceText(JSON.stringify({ ...far, steps: [...far.steps.slice(0, 2), { ...far.steps[2], expect: { outcome: 'ok' } }] }));
  const m = minimizeFields(t, (f) => f.invariant === 'RO_SLOT_NEVER_WRITABLE');
  expect(m.steps[1]).toMatchObject({ gpa: '0x100000000', hva: '0x7f00c0000000' });
});
