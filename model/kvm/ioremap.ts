/** kvm_phys_addr_ioremap: map device pages page by page, writable only if asked (facts §15.9). */
import type { Outcome } from '../types';
import type { KvmState } from './state';

/**
 * size grows by ipa's offset in its page, ipa is rounded down, then each page is mapped Device |
 * R | (W if writable), never X; the first failing page stops the loop (earlier pages stay).
 * pKVM refuses (-EPERM); a page at or beyond 2^iaBits fails the walk (-ERANGE, facts §1.2).
 * Source: kvm_phys_addr_ioremap, arch/arm64/kvm/mmu.c.
 */
export function ioremap(st: KvmState, ipa: number, pa: number, size: number, writable: boolean): Outcome {
  if (st.config.protectedVm) return { kind: 'errno', errno: 'EPERM' };
  const page = st.config.granule;
  const offset = ipa % page;
  const first = Math.floor(ipa / page);
  const count = Math.ceil((size + offset) / page);
  const firstPfn = Math.floor(pa / page);
  for (let i = 0; i < count; i++) {
    if ((first + i) * page >= 2 ** st.config.iaBits) return { kind: 'errno', errno: 'ERANGE' };
    const pfn = firstPfn + i;
    const old = st.stage2.get(first + i);
    // A live Device leaf of the same pfn differs only in perms: map leaves it untouched (facts §5.2 "needs update").
    if (old && old.leafSize === page && old.pfn === pfn && old.memtype === 'device' && old.af) {
      st.ioremaps.set(first + i, { pfn, writable: old.perms.w });
      continue;
    }
    st.ioremaps.set(first + i, { pfn, writable });
    st.stage2.install({ baseGfn: first + i, npages: 1, pfn, perms: { r: true, w: writable, x: false }, memtype: 'device', af: true });
  }
  return { kind: 'ok' };
}
