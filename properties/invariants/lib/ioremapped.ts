/** Is a leaf page an ioremap over a memslot? (the model permits exactly its pfn as Device although the host maps something else) */
import type { Stage2Pgtable } from '../../../impl/pgtable';
import { leafPa } from './leafInfo';
import type { ModelView } from './view';
import type { Leaf } from './walk';

/** The model permits exactly this pfn although the host disagrees: only an ioremap over the slot does that (facts §15.9). */
export function ioremapped(model: ModelView, pgt: Stage2Pgtable, l: Leaf, ipa: number): boolean {
  const page = pgt.geom.granule;
  const p = model.permitted(ipa / page);
  return p !== null && p.memtype === 'device' && p.pfn * page === leafPa(pgt, l) + (ipa - l.ipa);
}

