/** Is the page at `ipa` a kvm_phys_addr_ioremap page? Those are not memslot mappings (facts §15.9, §21.20). */
import type { ImplView } from './view';

/** True when KVM installed the page at `ipa` through kvm_phys_addr_ioremap (the impl records those gfns). */
export function ioremapped(impl: ImplView, granule: number, ipa: number): boolean {
  return impl.ioremapped.has(Math.floor(ipa / granule));
}
