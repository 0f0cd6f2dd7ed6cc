/** The real kernel's lines in the model's vocabulary, and the comparison (real/observe.ts). */
import type { Step } from '../properties/trace/codec';
import { difference, expectDifference, loadCheck, loadDifference, notObservable, observed } from './observe';

const access = (kind: string): Step => ({ op: 'access', vcpu: 0, ipa: 0x4000_0000, kind } as Step);
const slot: Step = { op: 'setMemslot', slot: 0, gpa: 0, size: 0x1000, hva: 0x7f00_0000_0000, flags: [] };

describe('real/observe', () => {
  test('runner lines map to outcomes: errnos of KVM_RUN, ESR classes, timeouts', () => {
    expect(observed(access('read'), { k: 'errno', e: 'EFAULT' })).toEqual({ outcome: { kind: 'efault' } });
    expect(observed(access('st_preidx'), { k: 'errno', e: 'ENOSYS' })).toEqual({ outcome: { kind: 'enosys' } });
    expect(observed(slot, { k: 'errno', e: 'EFAULT' })).toEqual({ outcome: { kind: 'errno', errno: 'EFAULT' } });
    expect(observed(access('read'), { k: 'exc', esr: '0x96000010' })).toEqual({ outcome: { kind: 'injectDabt' } });
    expect(observed(access('exec'), { k: 'exc', esr: '0x86000010' })).toEqual({ outcome: { kind: 'injectPabt' } });
    expect(observed(access('exec'), { k: 'exc', esr: '0x2000000' })).toEqual({ outcome: { kind: 'ok' } });
    expect(observed(access('read'), { k: 'exc', esr: '0x2000000' })).toEqual({ other: 'guest exception ESR 0x2000000' });
    // a walk that read a descriptor with AF clear (no hardware update): the guest's Access flag fault, level 3
    expect(observed(access('s1ptw_read'), { k: 'exc', esr: '0x9600000b' })).toEqual({ outcome: { kind: 'ok' } });
    expect(observed(access('s1ptw_write'), { k: 'exc', esr: '0x9600000b' })).toEqual({ other: 'guest stage-1 fault ESR 0x9600000b' });
    expect(observed(access('exec'), { k: 'exc', esr: '0x1fe00000' })).toEqual({ outcome: { kind: 'ok' } }); // a fetched word that traps: fetched
    expect(observed(slot, { k: 'sigbus' })).toEqual({ outcome: { kind: 'sigbus' } });
    expect(observed(access('dc_zva'), { k: 'exc', esr: '0x96000021' })).toEqual({ other: 'guest stage-1 fault ESR 0x96000021' }); // alignment
    expect(observed(access('read'), { k: 'mmio', a: '0x50000000', l: 8, w: 0 })).toEqual({ outcome: { kind: 'mmio', ipa: 0x5000_0000, len: 8, write: false } });
    expect(observed(access('write'), { k: 'timeout' })).toEqual({ outcome: { kind: 'livelock' } });
  });

  test('differences: kind and fields, dirty lists, but never the memory type', () => {
    expect(difference({ outcome: { kind: 'ok', effective: 'normal-wb' } }, { outcome: { kind: 'ok' } })).toBeNull();
    expect(difference({ outcome: { kind: 'mmio', ipa: 8, len: 8, write: true } }, { outcome: { kind: 'mmio', ipa: 8, len: 4, write: true } }))
      .toBe('model mmio{ipa 0x8, len 8, write}, real kernel mmio{ipa 0x8, len 4, write}');
    expect(difference({ outcome: { kind: 'ok' }, dirty: [1, 2] }, { outcome: { kind: 'ok' }, dirty: [2] })).toMatch(/dirty pages/);
    expect(difference({ outcome: { kind: 'efault' } }, { other: 'KVM exit reason 8' })).toBe('model efault, real kernel KVM exit reason 8');
  });

  test('a load must read what the host page holds; unknown values and steps without a value are not compared', () => {
    expect(loadCheck(0xffffc00303, { k: 'ok', v: '0xffffc00303' })).toEqual({ expected: '0xffffc00303', real: '0xffffc00303' });
    expect(loadDifference({ expected: '0xffffc00303', real: '0xffffc00303' })).toBeNull();
    expect(loadDifference(loadCheck(0xffffc00303, { k: 'ok', v: '0x0' }) ?? { expected: '', real: '' }))
      .toBe('data: the guest read 0x0, the host\'s page holds 0xffffc00303 there');
    expect(loadCheck(null, { k: 'ok', v: '0x0' })).toBeUndefined();
    expect(loadCheck(0, { k: 'ok' })).toBeUndefined();
  });

  test('expects are checked on the observable keys only', () => {
    expect(expectDifference({ outcome: 'ok', mapped: true, writable: false }, { outcome: { kind: 'ok' } })).toBeNull();
    expect(expectDifference({ outcome: 'mmio' }, { outcome: { kind: 'ok' } })).toBe('expect.outcome: expected "mmio", real kernel "ok"');
    expect(expectDifference({ outcome: 'ok', dirty: [3] }, { outcome: { kind: 'ok' }, dirty: [] })).toMatch(/expect.dirty/);
  });

  test('CMOs are not observable under TCG; everything else is', () => {
    expect(notObservable(access('dc_ivac'))).toMatch(/no-op under QEMU TCG/);
    expect(notObservable(access('dc_zva'))).toBeNull();
    expect(notObservable(slot)).toBeNull();
  });
});
