/** Test worlds for KvmImpl: a HostMm + KvmImpl pair, one-call slot set-up, and the page_fault_test runner on the impl. */
import { HostMm } from '../../model/host/hostMm';
import type { VmaSpec } from '../../model/host/types';
import {
  DATA_GPA, DATA_HVA, DATA_SLOT, PAGE, PT_GPA, PT_HVA, PT_PAGES, PT_SLOT, PTE_PAGE_INDEX, type GuestAccess, type Observed, type Scenario,
} from '../../model/testkit/pageFaultWorld';
import { DEFAULT_CONFIG, type AccessKind, type Config, type MemslotFlag, type Outcome } from '../../model/types';
import { makeTranslateOut, translate } from '../translate';
import { KvmImpl } from './index';

export const GPA = 0x4000_0000;
export const HVA = 0x7f00_0000_0000;

/** A host mm and an impl VM subscribed to it. */
export interface ImplWorld {
  host: HostMm;
  kvm: KvmImpl;
}

/** New impl world with DEFAULT_CONFIG overridden by `config`. */
export function implWorld(config: Partial<Config> = {}): ImplWorld {
  const host = new HostMm();
  return { host, kvm: new KvmImpl({ ...DEFAULT_CONFIG, ...config }, host) };
}

/** mmap `vma` at `hva` (default HVA, 2M) and register slot 0 over it at `gpa`; throws if either fails. */
export function implSlot(w: ImplWorld, vma: Partial<VmaSpec> = {}, flags: MemslotFlag[] = [], size = 0x20_0000, gpa = GPA, hva = HVA): void {
  const m = w.host.mmap({ hva, size, prot: 'rw', kind: 'anon', ...vma });
  if (!m.ok) throw new Error(`mmap failed: ${m.errno}`);
  const s = w.kvm.setMemslot({ slot: 0, gpa, size, hva, flags });
  if (s.kind !== 'ok') throw new Error(`setMemslot failed: ${JSON.stringify(s)}`);
}

const DATA_ACCESSES: Record<GuestAccess, AccessKind[]> = {
  read64: ['read'], write64: ['write', 'read'], ld_preidx: ['ld_preidx'], st_preidx: ['st_preidx'],
  cas: ['cas'], dc_zva: ['dc_zva'], exec: ['exec'], at: [],
};

/** The same scenario runner as model/testkit/pageFaultWorld.ts runScenario, on KvmImpl (facts §19). */
export function runImplScenario(sc: Scenario, config: Partial<Config> = {}): Observed {
  const host = new HostMm();
  const kvm = new KvmImpl({ ...DEFAULT_CONFIG, ...config }, host);
  host.mmap({ hva: PT_HVA, size: PT_PAGES * PAGE, prot: 'rw', kind: 'anon', uffd: sc.uffd });
  host.mmap({ hva: DATA_HVA, size: PAGE, prot: 'rw', kind: 'anon', uffd: sc.uffd });
  host.touch(PT_HVA + PTE_PAGE_INDEX * PAGE, true);
  host.touch(DATA_HVA, true);
  kvm.setMemslot({ slot: PT_SLOT, gpa: PT_GPA, size: PT_PAGES * PAGE, hva: PT_HVA, flags: sc.flags });
  kvm.setMemslot({ slot: DATA_SLOT, gpa: DATA_GPA, size: PAGE, hva: DATA_HVA, flags: sc.flags });
  if (sc.holeData) host.madviseDontneed(DATA_HVA, PAGE);
  if (sc.holePt) host.madviseDontneed(PT_HVA, PT_PAGES * PAGE);
  const uffd0 = host.uffdFaults;
  const data0 = host.pte(DATA_HVA) !== undefined;
  const unexpected: Outcome[] = [];
  const pte = PT_GPA + PTE_PAGE_INDEX * PAGE;
  for (const kind of DATA_ACCESSES[sc.access].length ? DATA_ACCESSES[sc.access] : [null]) {
    const steps: Array<[AccessKind, number]> = (sc.af === 'with_af' ? ['s1ptw_read', 's1ptw_write'] as const : ['s1ptw_read'] as const).map((k) => [k, pte]);
    if (kind) steps.push([kind, kind === 'exec' ? DATA_GPA + 8 : DATA_GPA]);
    let failed = false;
    for (const [k, ipa] of steps) {
      const out = kvm.access(0, ipa, k);
      if (out.kind === 'enosys') { failed = true; break; }
      if (out.kind === 'mmio' && out.write && out.ipa === DATA_GPA) host.touch(DATA_HVA, true);
      else if (out.kind !== 'ok') unexpected.push(out);
    }
    if (failed) break;
  }
  const dirty: [boolean, boolean] | undefined = sc.flags.includes('LOG_DIRTY')
    ? [kvm.getDirtyLog(DATA_SLOT).dirty.includes(0), kvm.getDirtyLog(PT_SLOT).dirty.includes(PTE_PAGE_INDEX)]
    : undefined;
  const c = kvm.counters;
  return { mmioExits: c.mmioExits, uffdFaults: c.uffdFaults - uffd0, failedRuns: c.failedRuns, unexpected, dirty,
    dataPopulated: !data0 && host.pte(DATA_HVA) !== undefined };
}

/** What the stage-2 tables hold at `ipa`, via the hardware walk (a read). */
export function leafAt(kvm: KvmImpl, ipa: number): { mapped: boolean; size: number; w: boolean; x: boolean; memtype: string | null; pa: number } {
  const out = translate(kvm.pgt, ipa, 'read', makeTranslateOut());
  const mapped = out.ok || out.fault === 'accessFlag';
  return { mapped, size: out.leafSize, w: out.perms.w, x: out.perms.x, memtype: out.memtype, pa: out.pa };
}
