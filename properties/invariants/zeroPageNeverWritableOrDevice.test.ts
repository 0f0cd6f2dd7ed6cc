/** ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE on a THP=always host: a read maps the huge zero page as a block, which must stay read-only. */
import { stage2RelaxPerms } from '../../impl/ops/attrs';
import { PROT_R, PROT_W } from '../../impl/descriptor/prot';
import { runTrace } from '../runner/runner';
import { implLeavesIn, type ImplLeaf } from '../runner/implLeaves';
import { parseTrace } from '../trace/parse';
import type { Invariant, Snapshot } from './types';
import type { InvSnapshot } from './lib/view';
import { zeroPageNeverWritableOrDevice } from './zeroPageNeverWritableOrDevice';

const IPA = 0x40000000;
const trace = parseTrace({
  format: 's2check-trace/1',
  config: { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', thp: 'always', bugs: [] },
  steps: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] },
    { op: 'access', vcpu: 0, ipa: '0x40000008', kind: 'read' },
  ],
});

/** Run the trace; `forge` edits the impl at the last step before the invariant looks. */
function run(forge?: (s: InvSnapshot) => void): { messages: string[]; leaf?: ImplLeaf; hugeZero?: boolean } {
  const out: { messages: string[]; leaf?: ImplLeaf; hugeZero?: boolean } = { messages: [] };
  const base = zeroPageNeverWritableOrDevice as Invariant;
  const inv: Invariant = {
    ...base,
    check: (s: Snapshot, cases) => {
      const is = s as InvSnapshot;
      if (s.stepIndex === 2) {
        forge?.(is);
        implLeavesIn(is.impl.pgt, IPA, IPA + 1, (l) => { out.leaf = l; });
        out.hugeZero = is.hosts?.impl.isZeroPfn((out.leaf?.pa ?? 0) / 4096);
      }
      return base.check(s, cases);
    },
  };
  const r = runTrace(trace, { invariants: [inv], collectAll: true });
  out.messages = r.violations.map((v) => v.message);
  return out;
}

describe('ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE and the huge zero page', () => {
  test('mainline maps the huge zero page as a read-only Normal block, and the invariant is silent', () => {
    const r = run();
    expect(r.messages).toEqual([]);
    expect(r.hugeZero).toBe(true);
    expect(r.leaf).toMatchObject({ size: 0x200000, memtype: 'normal', perms: { r: true, w: false } });
  });

  test('fires when that block is made writable', () => {
    const r = run((s) => { stage2RelaxPerms(s.impl.pgt, IPA, PROT_R | PROT_W); });
    expect(r.leaf?.perms.w).toBe(true);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/zero page mapped at 0x40000000 as W normal/);
  });
});
