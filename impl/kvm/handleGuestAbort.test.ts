/** kvm_handle_guest_abort on KvmImpl: one test per row of the decision tree (facts §15.3, §15.7, §15.8). */
import { S2InputError } from '../../model/types';
import { GPA, HVA, implSlot, implWorld, leafAt } from './testkit';

const OUTSIDE = 0x1000_0000; // no memslot here

describe('decision tree', () => {
  test('rows 2/3: IPA beyond the VM IPA size injects an abort of the access type', () => {
    const w = implWorld({ iaBits: 36 });
    expect(w.kvm.access(0, 2 ** 36, 'read')).toEqual({ kind: 'injectDabt' });
    expect(w.kvm.access(0, 2 ** 36 + 0x1000, 'exec')).toEqual({ kind: 'injectPabt' });
  });

  test('row 6a: instruction fetch outside memory injects a prefetch abort', () => {
    expect(implWorld().kvm.access(0, OUTSIDE, 'exec')).toEqual({ kind: 'injectPabt' });
  });

  test('row 6b: a stage-1 walk outside memory or writing a READONLY slot injects a data abort', () => {
    const w = implWorld();
    expect(w.kvm.access(0, OUTSIDE, 's1ptw_read')).toEqual({ kind: 'injectDabt' });
    implSlot(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 's1ptw_read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.access(0, GPA, 's1ptw_write')).toEqual({ kind: 'injectDabt' });
  });

  test('row 6c: a CMO outside every memslot is skipped', () => {
    expect(implWorld().kvm.access(0, OUTSIDE, 'dc_civac')).toEqual({ kind: 'skip' });
  });

  test('row 6d: io_mem_abort — MMIO with syndrome, ENOSYS / NISV / pVM dabt without', () => {
    const w = implWorld();
    expect(w.kvm.access(0, OUTSIDE + 8, 'write')).toEqual({ kind: 'mmio', ipa: OUTSIDE + 8, len: 8, write: true });
    expect(w.kvm.access(0, OUTSIDE, 'st_preidx')).toEqual({ kind: 'enosys' });
    expect(w.kvm.counters).toMatchObject({ mmioExits: 1, failedRuns: 1 });
    expect(implWorld({ nisvToUser: true }).kvm.access(0, OUTSIDE, 'ld_preidx')).toEqual({ kind: 'nisv', ipa: OUTSIDE });
    expect(implWorld({ protectedVm: true }).kvm.access(0, OUTSIDE, 'ld_preidx')).toEqual({ kind: 'injectDabt' });
  });

  test('row 6d: a write to a READONLY slot is MMIO and maps nothing writable', () => {
    const w = implWorld();
    implSlot(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 'write')).toMatchObject({ kind: 'mmio', write: true });
    expect(w.kvm.access(0, GPA, 'dc_civac')).toEqual({ kind: 'enosys' }); // mainline CMO on RO: no syndrome
  });

  test('row 7: an access-flag fault sets AF on the existing leaf, nothing else', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA, 'write');
    expect(w.host.age(HVA, 0x1000)).toBe(true); // mkold
    w.kvm.effects.clear();
    expect(w.kvm.access(0, GPA, 'read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.effects.events.map((e) => e.op)).toEqual(['pteStore']);
    expect(leafAt(w.kvm, GPA).w).toBe(true);
  });

  test('row 8: user_mem_abort maps RAM and resumes', () => {
    const w = implWorld();
    implSlot(w);
    expect(w.kvm.access(0, GPA + 0x2000, 'write', 'nc')).toEqual({ kind: 'ok', effective: 'normal-nc' });
    expect(leafAt(w.kvm, GPA + 0x2000)).toMatchObject({ mapped: true, w: true, memtype: 'normal', size: 0x1000 });
  });

  test('proposal2021: CMO translation fault maps read-only; DC IVAC on READONLY injects a data abort', () => {
    const w = implWorld({ cmoPolicy: 'proposal2021' });
    implSlot(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 'dc_civac').kind).toBe('ok');
    expect(w.kvm.access(0, GPA, 'dc_ivac')).toEqual({ kind: 'injectDabt' });
  });
});

describe('bad input', () => {
  test('unknown access kind, negative ipa, commit without a fault', () => {
    const w = implWorld();
    expect(() => w.kvm.access(0, 0, 'poke' as never)).toThrow(S2InputError);
    expect(() => w.kvm.access(0, -1, 'read')).toThrow(/ipa/);
    expect(() => w.kvm.faultCommit(3)).toThrow(/vcpu/);
    expect(() => w.host.invalidateEnd(7)).toThrow(/id/);
  });

  test('a second faultBegin on a vCPU with a fault in flight is rejected', () => {
    const w = implWorld();
    implSlot(w);
    expect(w.kvm.faultBegin(0, GPA, 'read')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultInFlight(0)).toBe(true);
    expect(() => w.kvm.faultBegin(0, GPA, 'read')).toThrow(/vcpu/);
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'ok' });
    expect(w.kvm.faultInFlight(0)).toBe(false);
  });
});
