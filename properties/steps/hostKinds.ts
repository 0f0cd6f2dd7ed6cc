/** Catalog entries of host-mm steps: VMA changes, page moves, open invalidations, aging (facts §14, §16). */
import type { AccessKind, S1MemType, VmaProt } from '../../model/types';
import { defineKind, rawArgs } from './kind';
import { backing, SLOT_IDS, type RawOrder } from './layout';
import { choices, nth, nthOf, pick, r, type Raw } from './pick';
import type { Step } from '../trace/codec';
import { pickHva, pickRange } from './targets';
import type { GenWorld } from './world';

const always = (): boolean => true;
const MPROTECT_PROTS = choices<VmaProt>([[45, 'r'], [45, 'rw'], [10, 'none']]);
/** The raws an mmap's backing reads, in its order. */
const MMAP_BACKING_ORDER: RawOrder = [1, 2, 3, 4, 5, 0];

/** Forget the VMAs inside [hva, hva+size) (in place, keeping the others' order). */
function dropCovered(w: GenWorld, hva: number, size: number): void {
  let kept = 0;
  for (const v of w.vmas) if (!(hva <= v.hva && v.hva + v.size <= hva + size)) w.vmas[kept++] = v;
  w.vmas.length = kept;
}

/** Forget the open invalidation `id` (in place). */
function close(w: GenWorld, id: number): void {
  const i = w.open.findIndex((o) => o.id === id);
  if (i >= 0) w.open.splice(i, 1);
}

/** mmap(MAP_FIXED): (re)back a slot's range with any kind, or remap a VMA. */
export const mmap = defineKind('mmap', {
  weight: () => 4, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => {
    const s = w.slots.size > 0 ? nthOf(w.slots.values(), w.slots.size, r(raw, 0)) : undefined;
    const idx = s ? s.slot % SLOT_IDS.length : 0;
    const { hva, size } = s ?? pickRange(w, raw);
    return [backing(w.geo, idx, hva, size, raw, MMAP_BACKING_ORDER, false)];
  },
  update: (w, s) => {
    dropCovered(w, s.hva, s.size);
    w.vmas.push({ hva: s.hva, size: s.size, kind: s.kind, prot: s.prot, pgprot: s.pgprot, hugeSize: s.hugeSize });
  },
});

export const munmap = defineKind('munmap', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'munmap', ...pickRange(w, raw) }],
  update: (w, s) => dropCovered(w, s.hva, s.size),
});

export const mprotect = defineKind('mprotect', {
  weight: () => 3, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'mprotect', ...pickRange(w, raw), prot: pick(r(raw, 4), MPROTECT_PROTS) }],
});

export const madviseDontneed = defineKind('madviseDontneed', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'madviseDontneed', ...pickRange(w, raw) }],
});

/** Stage-1 types of the write before a copy: the cache-off one is the case that matters. */
const COPY_WRITE_S1 = choices<S1MemType>([[50, 'nc'], [25, 'device'], [25, 'normal']]);

/**
 * A page copy (migration, collapse) is sometimes followed by a guest read of the page a slot maps
 * there, and sometimes also preceded by a guest write to it, mostly around the cache: the copy is
 * where such a write is lost when KVM's unmap did not invalidate the page (impl/dcache.ts), and
 * only a later load shows it.
 */
function aroundCopy(w: GenWorld, raw: Raw, step: Step & { hva: number }): Step[] {
  const mode = r(raw, 3) % 4;
  const ipa = mode >= 2 ? undefined : accessiblePageIpa(w, step.hva);
  if (ipa === undefined) return [step];
  const vcpu = r(raw, 4) % 2;
  const read: Step = { op: 'access', vcpu, ipa, kind: 'read' };
  return mode === 0 ? [{ op: 'access', vcpu, ipa, kind: 'write', s1: pick(r(raw, 4) >>> 1, COPY_WRITE_S1) }, step, read] : [step, read];
}

/**
 * The IPA of the page a slot maps at `hva`, where a full guest access may run now (no fault in
 * flight, no invalidation open: guestKinds' access preconditions); undefined otherwise.
 */
function accessiblePageIpa(w: GenWorld, hva: number): number | undefined {
  if (w.pending.size > 0 || w.open.length > 0) return undefined;
  for (const s of w.slots.values()) {
    if (hva < s.hva || hva >= s.hva + s.size) continue;
    const off = hva - s.hva;
    return s.gpa + off - (off % w.geo.page);
  }
  return undefined;
}

export const migrate = defineKind('migrate', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => aroundCopy(w, raw, { op: 'migrate', hva: pickHva(w, raw) }),
});

export const thpCollapse = defineKind('thpCollapse', {
  weight: () => 3, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => aroundCopy(w, raw, { op: 'thpCollapse', hva: pickHva(w, raw) }),
});

/** What the guest does to the page after the VMM wrote it: read it back, walk it as a page table (AF update), run it. */
const AFTER_VMM_WRITE = choices<AccessKind>([[40, 'read'], [30, 's1ptw_write'], [15, 's1ptw_read'], [15, 'exec']]);

/**
 * The VMM writes guest memory through its own mapping (loading an image, page tables, a virtio
 * buffer): a host write fault, so the zero page KVM may have mapped is copied and the notifier must
 * drop KVM's mapping of it (wp_page_copy). Half the time it is aimed at a page a slot maps, between
 * a guest read that maps it and a guest access that must see the new page.
 */
export const vmmWrite = defineKind('vmmWrite', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => {
    const step: Step = { op: 'vmmWrite', hva: pickHva(w, raw) };
    const ipa = r(raw, 3) % 2 === 1 ? undefined : accessiblePageIpa(w, step.hva);
    if (ipa === undefined) return [step];
    const vcpu = r(raw, 4) % 2;
    return [{ op: 'access', vcpu, ipa, kind: 'read' }, step, { op: 'access', vcpu, ipa, kind: pick(r(raw, 4) >>> 1, AFTER_VMM_WRITE) }];
  },
});

export const thpSplit = defineKind('thpSplit', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'thpSplit', hva: pickHva(w, raw) }],
});

/** An invalidation left open; aimed at a fault in flight half the time (faultBegin → invalidation → faultCommit). */
export const invalidateBegin = defineKind('invalidateBegin', {
  weight: () => 5, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'invalidateBegin', ...pickRange(w, raw, 2) }],
  update: (w, s) => void w.open.push({ id: w.nextInvalidationId++, hva: s.hva, size: s.size }),
});

export const invalidateEnd = defineKind('invalidateEnd', {
  // ends soon: while an invalidation is open, full accesses and setMemslot are blocked
  weight: () => 14, precondition: (w) => w.open.length > 0, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'invalidateEnd', id: nth(w.open, r(raw, 0)).id }],
  update: (w, s) => close(w, s.id),
  drain: (w) => w.open.map((o) => ({ op: 'invalidateEnd' as const, id: o.id })),
});

export const age = defineKind('age', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'age', ...pickRange(w, raw) }],
});

export const testAge = defineKind('testAge', {
  weight: () => 2, precondition: always, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'testAge', ...pickRange(w, raw) }],
});
