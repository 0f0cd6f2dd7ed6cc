/** Bench suite for impl/kvm: an access that hits a mapping and a fault that installs a 4K page, against a plain Map lookup. */
import { HostMm } from '../model/host/hostMm';
import { DEFAULT_CONFIG } from '../model/types';
import { KvmImpl } from '../impl/kvm/index';
import { registerSuite, timeNs } from './registry';

const PAGE = 0x1000;
const GPA = 0x4000_0000;
const HVA = 0x7f00_0000_0000;
const PAGES = 4096;
const OPS = 100_000;

/** A VM with one 16M anon slot whose host pages are all populated (host faults stay out of the timing). */
function world(): KvmImpl {
  const host = new HostMm();
  host.mmap({ hva: HVA, size: PAGES * PAGE, prot: 'rw', kind: 'anon' });
  for (let i = 0; i < PAGES; i++) host.touch(HVA + i * PAGE, true);
  const kvm = new KvmImpl({ ...DEFAULT_CONFIG }, host);
  kvm.setMemslot({ slot: 0, gpa: GPA, size: PAGES * PAGE, hva: HVA, flags: [] });
  return kvm;
}

let sink = 0;

registerSuite({
  name: 'kvmFault',
  cases: [
    {
      name: 'kvmFault.mapLookup', unit: 'ns/op',
      run: () => {
        const m = new Map<number, number>();
        for (let i = 0; i < PAGES; i++) m.set(GPA / PAGE + i, i);
        return timeNs(() => { for (let i = 0; i < OPS; i++) sink += m.get(GPA / PAGE + (i % PAGES)) ?? 0; }) / OPS;
      },
    },
    {
      name: 'kvmFault.hit', unit: 'ns/op',
      run: () => {
        const kvm = world();
        for (let i = 0; i < PAGES; i++) kvm.access(0, GPA + i * PAGE, 'write');
        kvm.effects.clear();
        return timeNs(() => { for (let i = 0; i < OPS; i++) if (kvm.access(0, GPA + (i % PAGES) * PAGE, 'read').kind === 'ok') sink++; }) / OPS;
      },
    },
    {
      name: 'kvmFault.fault4k', unit: 'ns/op',
      run: () => {
        const kvm = world();
        return timeNs(() => { for (let i = 0; i < PAGES; i++) kvm.access(0, GPA + i * PAGE, 'write'); }) / PAGES;
      },
    },
  ],
  derive: (median) => ({
    hitVsMap: median('kvmFault.hit') / median('kvmFault.mapLookup'),
    fault4kVsMap: median('kvmFault.fault4k') / median('kvmFault.mapLookup'),
    sink: sink > 0 ? 1 : 0,
  }),
});
