/** Catalog entries of KVM ioctls: setMemslot, getDirtyLog, clearDirtyLog, ioremap (facts §12–13, §15.9, §17). */
import { defineKind, rawArgs } from './kind';
import { backing, IOREMAP_IPA, layout, SLOT_IDS, slotFlags, type RawOrder } from './layout';
import { nth, nthOf, r, type Raw } from './pick';
import type { GenSlot, GenWorld, StepFor } from './world';
import type { Step } from '../trace/codec';
import type { MemslotFlag } from '../../model/types';

const ro = (f: readonly string[]): boolean => f.includes('READONLY');
const KVM_USER_MEM_SLOTS = 32767;
/** The raws a new slot's backing reads, in its order. */
const SLOT_BACKING_ORDER: RawOrder = [4, 3, 5, 2, 1, 0];

/** Would KVM accept this region? The light copy of the ioctl's checks (facts §12.2, §13: EINVAL, EEXIST, EFAULT). */
function accepted(w: GenWorld, s: StepFor<'setMemslot'>, old: GenSlot | undefined): boolean {
  const { page } = w.geo;
  if (s.slot >= KVM_USER_MEM_SLOTS || s.gpa % page !== 0 || s.size % page !== 0 || s.hva % page !== 0) return false;
  if (s.gpa + s.size > 2 ** w.config.iaBits) return false; // kvm_arch_prepare_memory_region: beyond the IPA space
  if (old && (old.hva !== s.hva || old.size !== s.size || ro(old.flags) !== ro(s.flags))) return false;
  for (const o of w.slots.values()) if (o.slot !== s.slot && s.gpa < o.gpa + o.size && o.gpa < s.gpa + s.size) return false;
  return true;
}

/** A change to an existing slot: delete, move, flags-only, no-op, or an immutable-field change (EINVAL). */
function change(w: GenWorld, old: GenSlot, raw: Raw): StepFor<'setMemslot'> {
  const step = { op: 'setMemslot' as const, slot: old.slot, gpa: old.gpa, size: old.size, hva: old.hva, flags: old.flags.slice() };
  switch (r(raw, 1) % 10) {
    case 0: case 1: case 2: step.size = 0; break;
    case 3: step.gpa = old.gpa + w.geo.block; break;
    case 4: step.gpa = old.gpa + w.geo.window * (1 + (r(raw, 2) % 2)); break;
    case 5: case 6: step.flags = toggled(old.flags, 'LOG_DIRTY', false); break;
    case 7: break;
    case 8: step.size = old.size + w.geo.page; break;
    default: step.flags = toggled(old.flags, 'READONLY', true);
  }
  return step;
}

/** `flags` without `f`, or with it added (first or last). */
function toggled(flags: readonly MemslotFlag[], f: MemslotFlag, first: boolean): MemslotFlag[] {
  if (flags.includes(f)) return flags.filter((x) => x !== f);
  return first ? [f, ...flags] : [...flags, f];
}

/**
 * Disabling it is followed by a read of the slot's first page (a collapse on a huge backing).
 * Enabling dirty logging on a live slot is preceded by a guest write to its first page and followed
 * by a write to another of its pages: a write-protected block then takes a logging permission
 * fault that maps one page inside it (block → table, facts §5.2 step 6, §17) — the
 * break-before-make path mutants like split-without-bbm live on.
 */
function withFollowUp(w: GenWorld, old: GenSlot, step: StepFor<'setMemslot'>, raw: Raw): Step[] {
  const enables = !old.flags.includes('LOG_DIRTY') && step.flags.includes('LOG_DIRTY') && step.size !== 0;
  const disables = old.flags.includes('LOG_DIRTY') && !step.flags.includes('LOG_DIRTY') && step.size !== 0 && step.gpa === old.gpa;
  if ((!enables && !disables) || w.pending.size > 0) return [step];
  const pages = Math.max(1, Math.floor(old.size / w.geo.page));
  const ipa = old.gpa + ((w.geo.page * (1 + (r(raw, 4) % Math.min(pages, 16)))) % old.size);
  // Disabling it is followed by a read: on a huge backing the fault maps a block over the table of
  // pages logging left (a collapse, facts §5.3), while the vCPUs' TLBs may still hold those pages.
  if (disables) return [step, { op: 'access', vcpu: r(raw, 5) % 2, ipa: old.gpa, kind: 'read' }];
  // A write first makes a huge backing's block writable, so logging's write-protect has work to do.
  return [{ op: 'access', vcpu: 0, ipa: old.gpa, kind: 'write' }, step, { op: 'access', vcpu: 0, ipa, kind: 'write' }];
}

/** KVM_SET_USER_MEMORY_REGION: create over a fresh backing, or change / delete an existing slot. */
export const setMemslot = defineKind('setMemslot', {
  weight: () => 9,
  prologue: true,
  // facts §12.3: the update waits for open invalidations and for faults' SRCU sections (model/index.ts).
  precondition: (w) => w.open.length === 0 && (w.pending.size === 0 || w.opts.slotChangeDuringFault),
  arbitrary: rawArgs,
  resolve: (w, raw) => {
    const id = r(raw, 0) % 32 === 31 ? 0x10000 : nth(SLOT_IDS, r(raw, 0)); // as_id 1: EINVAL
    const old = w.slots.get(id);
    if (old) return withFollowUp(w, old, change(w, old, raw), raw);
    const s = id % SLOT_IDS.length;
    const l = layout(w.geo, s, raw, w.config.iaBits);
    const step: Step = { op: 'setMemslot', slot: id, gpa: l.gpa, size: l.size, hva: l.hva, flags: slotFlags(r(raw, 2)) };
    const covered = w.vmas.some((v) => v.hva <= l.hva && l.hva + l.size <= v.hva + v.size);
    return covered && r(raw, 5) % 4 !== 0 ? [step] : [backing(w.geo, s, l.hva, l.size, raw, SLOT_BACKING_ORDER, l.giant), step];
  },
  update: (w, s) => {
    const old = w.slots.get(s.slot);
    if (s.size === 0) w.slots.delete(s.slot);
    else if (accepted(w, s, old)) w.slots.set(s.slot, { slot: s.slot, gpa: s.gpa, size: s.size, hva: s.hva, flags: [...s.flags] });
  },
});

/** A slot id for dirty-log ioctls: mostly a live slot, sometimes any reused id (maybe absent). */
function slotArg(w: GenWorld, n: number): number {
  return w.slots.size > 0 && n % 8 !== 0 ? nthOf(w.slots.keys(), w.slots.size, n) : nth(SLOT_IDS, n);
}

/** KVM_GET_DIRTY_LOG (facts §17). */
export const getDirtyLog = defineKind('getDirtyLog', {
  weight: () => 3, precondition: () => true, arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'getDirtyLog', slot: slotArg(w, r(raw, 0)) }],
});

/** A clear count: choice 0 to the end, 1 one 64-page word, 2 any length up to the slot (`n`). */
function dirtyCount(npages: number, first: number, choice: number, n: number): number {
  if (choice === 0) return Math.max(0, npages - first);
  return choice === 1 ? 64 : 1 + (n % Math.max(1, npages));
}

/** KVM_CLEAR_DIRTY_LOG: aligned and unaligned `first`, counts to the end, 64-page and odd counts (facts §17). */
export const clearDirtyLog = defineKind('clearDirtyLog', {
  weight: () => 2, precondition: () => true, arbitrary: rawArgs,
  resolve: (w, raw) => {
    const slot = slotArg(w, r(raw, 0));
    const npages = (w.slots.get(slot)?.size ?? w.geo.block) / w.geo.page;
    const first = r(raw, 1) % 6 === 5 ? 1 : npages > 64 && r(raw, 1) % 2 === 1 ? 64 : 0;
    const count = dirtyCount(npages, first, r(raw, 2) % 3, r(raw, 3));
    return [{ op: 'clearDirtyLog', slot, first, count }];
  },
});

/**
 * kvm_phys_addr_ioremap of a device window (GIC-like), sometimes unaligned (facts §15.9). One in
 * three lands on a page inside an existing memslot: the kernel allows it, and it is where a
 * permission fault relaxes the Device leaf to the slot's rights (kernel finding
 * `ioremap-in-slot-relaxed`). The generator is never narrowed to avoid a kernel finding.
 */
export const ioremap = defineKind('ioremap', {
  weight: () => 1, precondition: () => true, arbitrary: rawArgs,
  resolve: (w, raw) => {
    const page = w.geo.page;
    const pa = IOREMAP_IPA + page * (r(raw, 0) % 4);
    const size = page * (1 + (r(raw, 2) % 2));
    const writable = r(raw, 3) % 2 === 0;
    if (w.slots.size > 0 && r(raw, 4) % 3 === 2) {
      const slot = nthOf(w.slots.values(), w.slots.size, r(raw, 5));
      const ipa = slot.gpa + page * (r(raw, 1) % Math.min(8, slot.size / page));
      return [{ op: 'ioremap', ipa, pa, size, writable }];
    }
    const ipa = IOREMAP_IPA + page * (r(raw, 0) % 4) + (r(raw, 1) % 8 === 0 ? 0x10 : 0);
    return [{ op: 'ioremap', ipa, pa, size, writable }];
  },
});
