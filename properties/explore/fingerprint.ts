/**
 * Canonical state fingerprints for exhaustive exploration: two histories that reach the same state
 * get the same text. The model's state (memslots with their dirty bitmaps, host VMAs and PTEs, the
 * stage-2 mapping, notifier, faults in flight, ioremaps) and the impl's abstract state (interpret:
 * the abstraction function, plus its faults in flight, its vCPUs' TLB entries and what the caches
 * hold for its pages) are written with allocation-order artefacts
 * renamed: RAM pfns by first appearance, the notifier's seq and the memslot generation only as
 * what a fault in flight compares against them (stale or not).
 */
import { interpret } from '../../impl/interpret';
import { describeTlbPerms } from '../../impl/tlb';
import type { World } from '../runner/executors';

/** Renames RAM pfns in order of first appearance; non-RAM (device) pfns and the zero page keep their identity. */
class PfnNames {
  private readonly names = new Map<number, number>();
  constructor(private readonly isRam: (pfn: number) => boolean, private readonly zero: number) {}
  name(pfn: number): string {
    if (pfn === this.zero) return 'Z';
    if (!this.isRam(pfn)) return `d${pfn.toString(16)}`;
    let n = this.names.get(pfn);
    if (n === undefined) { n = this.names.size; this.names.set(pfn, n); }
    return `r${n}`;
  }
}

/** The host mm of one side: VMAs, populated mapping units, open invalidations; pfns named. */
function hostText(h: World['model']['host'], names: PfnNames): string {
  const out: string[] = [];
  for (const v of h.vmas()) {
    out.push(`V${v.start.toString(16)}-${v.end.toString(16)}:${v.kind}:${v.prot}:${v.pgprot ?? ''}:${v.uffd === true ? 'u' : ''}:${v.pa?.toString(16) ?? ''}:${v.hugeSize ?? ''}${v.kind === 'pfnmap' ? `${h.pfnReadOnlyAt(v.start) ? ':ro' : ''}${h.pfnDirtyAt(v.start).map((p) => `+${p.toString(16)}`).join('')}` : ''}`);
  }
  for (const u of h.units()) out.push(`P${u.hva.toString(16)}+${u.size.toString(16)}:${names.name(u.pfn)}${u.writable ? 'w' : ''}:${u.kind}`);
  for (const r of h.openInvalidations()) out.push(`I${r.start.toString(16)}-${r.end.toString(16)}`);
  return out.join(' ');
}

/** The model's KVM: memslots, leaves, notifier, faults in flight, ioremaps. */
function modelText(w: World, names: PfnNames): string {
  const k = w.model.kvm;
  const out: string[] = [];
  for (const s of [...k.memslots.values()].sort((a, b) => a.id - b.id)) {
    out.push(`S${s.id}:${s.gpa.toString(16)}+${s.size.toString(16)}@${s.hva.toString(16)}:${s.flags.readonly ? 'R' : ''}${s.flags.logDirty ? 'L' : ''}:${s.dirty ? [...s.dirty].sort((a, b) => a - b).join(',') : ''}`);
  }
  let last = -1;
  for (const g of k.mappedGfns()) {
    const l = k.mapping(g);
    if (!l || l.baseGfn === last) continue;
    last = l.baseGfn;
    out.push(`M${l.baseGfn.toString(16)}+${l.npages}:${names.name(l.pfn)}:${l.perms.r ? 'r' : ''}${l.perms.w ? 'w' : ''}${l.perms.x ? 'x' : ''}:${l.memtype}:${l.leafSize.toString(16)}:${l.af ? 'a' : ''}`);
  }
  const n = k.notifier;
  out.push(`N${n.inProgress}:${n.range ? `${n.range.start}-${n.range.end}` : ''}`);
  for (const f of k.pendingFaults()) {
    out.push(`F${f.vcpu}:${f.ipa.toString(16)}:${f.kind}:${f.mmuSeq === n.seq ? '' : 'stale'}:${f.slotGeneration === k.slotGeneration ? '' : 'moved'}:${names.name(f.pfn)}${f.writable ? 'w' : ''}${f.exec ? 'x' : ''}:${f.memtype}:${f.size.toString(16)}:${f.permFault ? 'p' : ''}`);
  }
  if (k.ioremapCount > 0) {
    for (const g of k.mappedGfns()) { const io = k.ioremapAt(g); if (io) out.push(`O${g.toString(16)}:${io.pfn.toString(16)}:${io.writable ? 'w' : ''}`); }
  }
  return out.join(' ');
}

/** The impl's abstract state: its stage 2 through interpret(), its faults in flight. */
function implText(w: World, names: PfnNames): string {
  const k = w.impl.kvm;
  const page = w.config.granule;
  // One entry per leaf (interpret merges runs whose PAs happen to be contiguous: allocation order).
  const out: string[] = [];
  for (const m of interpret(k.pgt)) {
    const attrs = `${m.perms.r ? 'r' : ''}${m.perms.w ? 'w' : ''}${m.perms.x ? 'x' : ''}:${m.memtype}:${m.leafSize.toString(16)}:${m.af ? 'a' : ''}`;
    for (let off = 0; off < m.size; off += m.leafSize) {
      const pa = m.pa + off;
      // What the caches hold for it (impl/dcache.ts, impl/icache.ts): later coherence checks read it.
      const caches = `${k.dcache.isClean(pa) ? 'c' : ''}${k.icache.isFresh(pa) ? 'i' : ''}`;
      out.push(`M${(m.ipa + off).toString(16)}:${names.name(pa / page)}:${attrs}:${caches}`);
    }
  }
  const n = k.notifier;
  out.push(`N${n.inProgress}`);
  for (let v = 0; v < 2; v++) {
    const f = k.pendingFault(v);
    if (f) out.push(`F${v}:${f.ipa.toString(16)}:${f.mmuSeq === n.seq ? '' : 'stale'}:${names.name(f.pfn)}${f.writable ? 'w' : ''}`);
  }
  // Pages holding the guest's dirty lines (a later unmap must clean them), pages written around the
  // cache (a later unmap must invalidate them), pages that lost a write (later loads read stale).
  const pageSet = (tag: string, pas: Iterable<number>): void => {
    const named = [...pas].map((pa) => names.name(pa / page)).sort();
    if (named.length > 0) out.push(`${tag}${named.join(',')}`);
  };
  pageSet('D', k.dcache.pages());
  pageSet('W', k.dcache.ncPages());
  pageSet('L', k.dcache.lostPages());
  // The vCPUs' TLBs (impl/tlb.ts): a stale entry is state a later access can observe.
  const tlb = [...k.tlb.entries()].sort((a, b) => a.vcpu - b.vcpu || a.ipa - b.ipa || a.level - b.level);
  for (const e of tlb) out.push(`T${e.vcpu}:${e.ipa.toString(16)}:${e.level}:${names.name(e.pa / page)}:${describeTlbPerms(e, w.config.fwb)}`);
  return out.join(' ');
}

/** The fingerprint of a world: model state and impl abstract state, pfns renamed per side. */
export function fingerprint(w: World): string {
  const mh = w.model.host, ih = w.impl.host;
  const mn = new PfnNames((p) => mh.isRamPfn(p), mh.zeroPfn);
  const inames = new PfnNames((p) => ih.isRamPfn(p), ih.zeroPfn);
  return `${hostText(mh, mn)} | ${modelText(w, mn)} || ${hostText(ih, inames)} | ${implText(w, inames)}`;
}
