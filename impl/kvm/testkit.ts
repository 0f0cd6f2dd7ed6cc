/** Test worlds for KvmImpl: a HostMm + KvmImpl pair, one-call slot set-up, and the page_fault_test runner on the impl. */
import { HostMm } from '../../model/host/hostMm';
import type { VmaSpec } from '../../model/host/types';
import { runScenario, type Observed, type Scenario } from '../../model/testkit/pageFaultWorld';
import { DEFAULT_CONFIG, type Config, type MemslotFlag } from '../../model/types';
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

/** The model's page_fault_test scenario runner (model/testkit/pageFaultWorld.ts) on KvmImpl (facts §19). */
export function runImplScenario(sc: Scenario, config: Partial<Config> = {}): Observed {
  return runScenario(sc, (host) => new KvmImpl({ ...DEFAULT_CONFIG, ...config }, host));
}

/** What the stage-2 tables hold at `ipa`, via the hardware walk (a read). */
export function leafAt(kvm: KvmImpl, ipa: number): { mapped: boolean; size: number; w: boolean; x: boolean; memtype: string | null; pa: number } {
  const out = translate(kvm.pgt, ipa, 'read', makeTranslateOut());
  const mapped = out.ok || out.fault === 'accessFlag';
  return { mapped, size: out.leafSize, w: out.perms.w, x: out.perms.x, memtype: out.memtype, pa: out.pa };
}
