/** Small worlds for model tests: a HostMm, a KvmModel on it, and one-call slot set-up. */
import { HostMm } from '../host/hostMm';
import type { VmaSpec } from '../host/types';
import { KvmModel } from '../index';
import { DEFAULT_CONFIG, type Config, type MemslotFlag } from '../types';

export const PAGE = 0x1000;
export const GPA = 0x4000_0000;
export const HVA = 0x7f00_0000_0000;
export const GFN = GPA / PAGE;

/** A host mm and a model VM subscribed to it. */
export interface World {
  host: HostMm;
  kvm: KvmModel;
}

/** New world with DEFAULT_CONFIG overridden by `config`. */
export function world(config: Partial<Config> = {}): World {
  const host = new HostMm();
  return { host, kvm: new KvmModel({ ...DEFAULT_CONFIG, ...config }, host) };
}

/** mmap `vma` at HVA (size default 2M) and register slot 0 over it at GPA; throws if either fails. */
export function slotOver(w: World, vma: Partial<VmaSpec> = {}, flags: MemslotFlag[] = [], size = 0x20_0000): void {
  const m = w.host.mmap({ hva: HVA, size, prot: 'rw', kind: 'anon', ...vma });
  if (!m.ok) throw new Error(`mmap failed: ${m.errno}`);
  const s = w.kvm.setMemslot({ slot: 0, gpa: GPA, size, hva: HVA, flags });
  if (s.kind !== 'ok') throw new Error(`setMemslot failed: ${JSON.stringify(s)}`);
}
