/** S1PTW_CLASSIFICATION judges translation faults only: a read walk into an ioremapped Device leaf over a READONLY RAM slot is WALK_TO_DEVICE_ABORTS' case. */
import { runTrace } from '../runner/runner';
import { parseTraceText } from '../trace';

const trace = (bugs: string[]): string => JSON.stringify({
  format: 's2check-trace/1',
  config: { granule: 16384, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x4000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40004000', size: '0x4000', hva: '0x7f0000000000', flags: ['READONLY'] },
    { op: 'ioremap', ipa: '0x40004000', pa: '0x8000000', size: '0x4000', writable: true },
    { op: 'access', vcpu: 0, ipa: '0x40004008', kind: 's1ptw_read', expect: { outcome: 'injectDabt' } },
  ],
});

test('a read walk into a Device leaf in a READONLY slot aborts (HCR_EL2.PTW) and S1PTW_CLASSIFICATION stays silent', () => {
  const r = runTrace(parseTraceText(trace([])));
  expect(r.violations).toEqual([]);
  expect(r.expectFailures).toEqual([]);
});

test('without the Device leaf the same walk is a read and s1ptw-always-write still fires S1PTW_CLASSIFICATION', () => {
  const t = JSON.parse(trace(['s1ptw-always-write'])) as { steps: unknown[] };
  t.steps.splice(2, 1);
  (t.steps[2] as { expect?: unknown }).expect = undefined;
  const r = runTrace(parseTraceText(JSON.stringify(t)));
  expect(r.violations.map((v) => v.invariant)).toContain('S1PTW_CLASSIFICATION');
});
