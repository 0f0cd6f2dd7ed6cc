/** Is the impl's leaf at an ipa an ioremap leaf? Those are not memslot mappings (facts §15.9, §21.20). */
import { stage2GetLeaf, makeLeafOut } from '../../../impl/ops/leaf';
import * as C from '../../../impl/descriptor/codec';
import type { InvSnapshot } from './view';

const leafOut = makeLeafOut();

/**
 * True when the impl's stage 2 holds at `ipa` the leaf kvm_phys_addr_ioremap installed there: the
 * model recorded an ioremap at that gfn and the leaf maps its pfn as Device. Once a memslot operation
 * unmapped it and a fault mapped the slot's memory, the leaf is the slot's (the model's permitted()
 * applies the same rule). Source: kvm_phys_addr_ioremap leaves only a stage-2 entry behind.
 */
export function ioremapLeafAt(s: InvSnapshot, ipa: number): boolean {
  const page = s.config.granule;
  const io = s.model.ioremapAt(Math.floor(ipa / page));
  if (io === undefined || stage2GetLeaf(s.impl.pgt, ipa, leafOut) !== 0 || !leafOut.valid) return false;
  const pgt = s.impl.pgt;
  const size = pgt.geom.granules[leafOut.level];
  const oa = C.oaOf(leafOut.lo, leafOut.hi, pgt.geom.pageShift);
  const pa = oa - (oa % size) + (ipa % size);
  return Math.floor(pa / page) === io.pfn && C.memTypeOf(leafOut.lo, pgt.fwb) === 'device';
}
