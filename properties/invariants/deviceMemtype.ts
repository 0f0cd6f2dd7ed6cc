/** DEVICE_MEMTYPE: non-RAM pfns are Device-nGnRE, NC only with allowAnyUncached, cacheable only with FWB+DIC (seed 003). */
import { effectiveMemType } from '../../model/arch/combine';
import { RAM_BASE_PA } from '../../model/host/constants';
import type { CaseSink, Invariant, HostQuery, Snapshot, Violation } from './types';
import { hostOf, type ImplView, type ModelView } from './lib/view';
import { leavesIn } from './lib/walk';
import { hex, leafExec, leafMemtype, leafPa, slotAt } from './lib/leafInfo';
import { violation } from './lib/violation';
import { stage2GetLeaf, makeLeafOut } from '../../impl/ops/leaf';
import { memTypeOf } from '../../impl/descriptor/codec';
import type { Memslot } from '../../model/memslotTypes';

const NAME = 'DEVICE_MEMTYPE';

/** The violation at `ipa`: message prefixed with it. */
const found = (s: Snapshot<unknown, unknown>, ipa: number, msg: string): Violation => violation(s, NAME, `${hex(ipa)}: ${msg}`, { ipa });
const leafOut = makeLeafOut();

/** The memtypes allowed for a non-RAM page at `ipa` (ioremap: Device only). Source: user_mem_abort (facts §15.6), §21.27. */
function allowed(s: { config: { fwb: boolean; dic: boolean } }, host: HostQuery | undefined, slot: Memslot | undefined, ipa: number): Set<string> {
  const out = new Set(['device']);
  const vma = slot && host?.findVma(slot.hva + (ipa - slot.gpa));
  if (!vma) return out;
  if (vma.allowAnyUncached === true) out.add('nc');
  if ((vma.pgprot ?? 'device') === 'normal' && s.config.fwb && s.config.dic) out.add('normal');
  return out;
}

/** Source: seed 003 (VM_ALLOW_ANY_UNCACHED), 2a8dfab26677 (cacheable PFNMAP needs FWB+DIC), Arm ARM combining (facts §11). */
export const deviceMemtype: Invariant<ModelView, ImplView> = {
  name: NAME,
  statement: 'Non-RAM pfns are mapped Device-nGnRE, Normal-NC only with allowAnyUncached, cacheable only with FWB+DIC; Device/NC never executable; an ok access reports the combined stage-1/stage-2 type.',
  source: 'seed 003; facts §11, §15.6, §21.5, §21.27, §22 M20',
  check(s, cases) {
    const pgt = s.impl.pgt;
    const host = hostOf(s);
    const page = pgt.geom.granule;
    for (const l of leavesIn(pgt, s.touched)) {
      const pa = leafPa(pgt, l);
      const mt = leafMemtype(pgt, l);
      if (mt === 'device' || mt === 'nc') cases?.saw(NAME);
      if ((mt === 'device' || mt === 'nc') && leafExec(l)) return found(s, l.ipa, `${mt} leaf is executable`);
      const ram = pa >= RAM_BASE_PA && (host ? host.isRamPfn(pa / page) : true);
      if (ram) continue;
      cases?.saw(NAME); // a non-RAM leaf
      const ok = allowed(s, host, slotAt(s.model.memslots, l.ipa), l.ipa);
      if (!ok.has(mt)) return found(s, l.ipa, `non-RAM pa ${hex(pa)} mapped ${mt}, allowed ${[...ok].join('|')}`);
    }
    return effectiveCheck(s, cases);
  },
};

/** An `ok` access reports the Arm ARM combination of its s1 type and the leaf's stage-2 type. */
function effectiveCheck(s: Parameters<typeof deviceMemtype.check>[0], cases?: CaseSink) {
  const st = s.step;
  const o = s.implOutcome;
  if (st.op !== 'access' || o.kind !== 'ok' || o.effective === undefined) return null;
  if (stage2GetLeaf(s.impl.pgt, st.ipa, leafOut) !== 0 || !leafOut.valid) return null;
  const s2 = memTypeOf(leafOut.lo, s.impl.pgt.fwb);
  if (s2 === 'unknown') return null;
  cases?.saw(NAME); // an access reporting its effective memory type
  const want = effectiveMemType(st.s1 ?? 'normal', s2, s.config.fwb);
  return want === o.effective ? null : violation(s, NAME, `access ${hex(st.ipa)}: effective ${o.effective}, expected ${want}`, { ipa: st.ipa, expected: want, actual: o.effective });
}
