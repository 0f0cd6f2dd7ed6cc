/** kvm_phys_addr_ioremap on KvmImpl: Device pages, W only if asked, never X; EPERM under pKVM; equal to the model (facts §15.9). */
import { HostMm } from '../../model/host/hostMm';
import { KvmModel } from '../../model/index';
import { DEFAULT_CONFIG } from '../../model/types';
import { KvmImpl } from './index';
import { implWorld, leafAt } from './testkit';

const IPA = 0x0800_0000;
const PA = 0x0900_0000;

describe('ioremap', () => {
  test('maps page by page from the rounded-down ipa, Device, writable only if asked', () => {
    const w = implWorld();
    expect(w.kvm.ioremap(IPA + 0x10, PA, 0x1ff0, false)).toEqual({ kind: 'ok' });
    expect(leafAt(w.kvm, IPA)).toMatchObject({ mapped: true, memtype: 'device', w: false, x: false, pa: PA, size: 0x1000 });
    expect(leafAt(w.kvm, IPA + 0x1000).pa).toBe(PA + 0x1000);
    expect(leafAt(w.kvm, IPA + 0x2000).mapped).toBe(false);
    expect(w.kvm.access(0, IPA, 'write')).toMatchObject({ kind: 'mmio' }); // no slot, not writable
    // Re-mapping with W only differs in permissions: map() leaves the leaf alone (-EAGAIN, facts §21.14).
    expect(w.kvm.ioremap(IPA, PA, 0x1000, true)).toEqual({ kind: 'ok' });
    expect(leafAt(w.kvm, IPA).w).toBe(false);
    expect(w.kvm.ioremap(IPA + 0x4000, PA, 0x1000, true)).toEqual({ kind: 'ok' });
    expect(w.kvm.access(0, IPA + 0x4000, 'write')).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
    expect([IPA + 0x2000, IPA + 0x3000].map((ipa) => leafAt(w.kvm, ipa).mapped)).toEqual([false, false]);
  });

  test('EPERM under pKVM, ERANGE beyond the IPA space, like the model', () => {
    for (const [cfg, ipa] of [[{ protectedVm: true }, IPA], [{}, 2 ** 40 - 0x1000]] as const) {
      const impl = new KvmImpl({ ...DEFAULT_CONFIG, ...cfg }, new HostMm());
      const model = new KvmModel({ ...DEFAULT_CONFIG, ...cfg }, new HostMm());
      expect(impl.ioremap(ipa, PA, 0x2000, true)).toEqual(model.ioremap(ipa, PA, 0x2000, true));
    }
    expect(implWorld({ protectedVm: true }).kvm.ioremap(IPA, PA, 0x1000, true)).toEqual({ kind: 'errno', errno: 'EPERM' });
  });
});
