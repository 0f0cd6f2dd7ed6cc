/** kvm_phys_addr_ioremap: Device pages one by one, writable only if asked, never executable (facts §15.9). */
import type { Errno, Outcome } from '../../model/types';
import { PROT_DEVICE, PROT_R, PROT_W } from '../descriptor/prot';
import { errnoName } from '../errno';
import { stage2Map } from '../ops/map';
import type { KvmCore } from './state';

const OK: Outcome = Object.freeze({ kind: 'ok' });

/**
 * size += ipa's offset in its page, ipa rounded down; each page mapped DEVICE | R | (W); the
 * first error stops the loop (earlier pages stay). -EPERM under pKVM. Source: kvm_phys_addr_ioremap.
 */
export function ioremap(core: KvmCore, ipa: number, pa: number, size: number, writable: boolean): Outcome {
  if (core.config.protectedVm) return { kind: 'errno', errno: 'EPERM' };
  const page = core.page;
  const total = size + (ipa % page);
  const start = ipa - (ipa % page);
  const prot = PROT_R | PROT_DEVICE | (writable ? PROT_W : 0);
  for (let off = 0; off < total; off += page) {
    const ret = stage2Map(core.pgt, start + off, page, pa + off, prot);
    if (ret < 0) return { kind: 'errno', errno: errnoName(ret) as Errno };
  }
  return OK;
}
