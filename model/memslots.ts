/** KVM_SET_USER_MEMORY_REGION on the model's memslot table: validate, classify, prepare, commit (facts §12–13). */
import type { Errno } from './types';
import { firstFailingRule, parseRequest, type MemslotRequest } from './memslotRules';
import { arm64Prepare } from './memslotPrepare';
import { overlapsOtherSlot, totalPages } from './memslotLookup';
import { U64_LIMIT, type Memslot, type MemslotChange, type MemslotTable, type SetMemslotArgs,
  type SetMemslotCtx, type SetMemslotResult } from './memslotTypes';

/*
 * API
 *   setMemslot(table, args, ctx): SetMemslotResult
 *     Runs every check of facts §12.2 in order with its errno, classifies the change, runs the arm64
 *     prepare checks (§13), and on success updates `table` (on failure `table` is untouched).
 *     The caller (fault model) then acts on the result:
 *       commitUnmapsOld(r)     delete / move: unmap the old slot's whole IPA range (flush_shadow_memslot)
 *       commitWriteProtects(r) new slot logs dirty pages: write-protect the whole new slot (§13 commit)
 *   Dirty bitmap: a new LOG_DIRTY slot gets an empty set, or keeps the old slot's set if it already
 *   logged (move); it is dropped when logging is off (§12.3).
 *   Bad field types (non-integers, negatives, ≥ 2^64, slot ≥ 2^32) throw S2InputError.
 * Also re-exports the types and lookups, so callers import from here.
 */
export * from './memslotTypes';
export * from './memslotLookup';
export { GENERAL_RULES, type Rule } from './memslotRules';
export { PREPARE_RULES, pfnmapIsCacheable } from './memslotPrepare';

/** ULONG_MAX + 1: kvm->nr_memslot_pages must fit an unsigned long (unreachable with ≤ 32767 slots of < 2^31 pages). */
const ULONG_LIMIT = U64_LIMIT;

type Classified = { change: MemslotChange } | { errno: Errno };

/** __kvm_set_memory_region after the stateless checks: delete / create / modify classification. */
function classify(table: MemslotTable, req: MemslotRequest, old: Memslot | undefined): Classified {
  const npages = req.size / req.page;
  if (req.size === 0) return old ? { change: 'delete' } : { errno: 'EINVAL' }; // delete of a missing slot
  if (old === undefined) {
    return totalPages(table) + npages >= ULONG_LIMIT ? { errno: 'EINVAL' } : { change: 'create' };
  }
  if (req.hva !== old.hva || npages !== old.npages || req.flags?.readonly !== old.flags.readonly) {
    return { errno: 'EINVAL' }; // userspace_addr, npages and READONLY are immutable
  }
  if (req.gpa / req.page !== old.baseGfn) return { change: 'move' };
  if (req.flags?.logDirty !== old.flags.logDirty) return { change: 'flagsOnly' };
  return { change: 'none' };
}

/** The slot a successful create / move / flagsOnly installs. */
function buildSlot(req: MemslotRequest, old: Memslot | undefined): Memslot {
  const flags = { readonly: req.flags?.readonly === true, logDirty: req.flags?.logDirty === true };
  const dirty = flags.logDirty ? old?.dirty ?? new Set<number>() : undefined; // kvm_prepare_memory_region
  return { id: req.id, gpa: req.gpa, size: req.size, hva: req.hva, baseGfn: req.gpa / req.page,
    npages: req.size / req.page, flags, dirty };
}

/** KVM_SET_USER_MEMORY_REGION (kvm_vm_ioctl_set_memory_region → __kvm_set_memory_region → kvm_set_memslot). */
export function setMemslot(table: MemslotTable, args: SetMemslotArgs, ctx: SetMemslotCtx): SetMemslotResult {
  const req = parseRequest(args, ctx.config.granule);
  const bad = firstFailingRule(req);
  if (bad) return { ok: false, errno: bad.errno };
  const old = table.get(req.id);
  const c = classify(table, req, old);
  if ('errno' in c) return { ok: false, errno: c.errno };
  if (c.change === 'none') return { ok: true, change: 'none', old };
  if (c.change === 'delete') {
    table.delete(req.id);
    return { ok: true, change: 'delete', old };
  }
  const slot = buildSlot(req, old);
  if ((c.change === 'create' || c.change === 'move') && overlapsOtherSlot(table, slot.id, slot.baseGfn, slot.npages)) {
    return { ok: false, errno: 'EEXIST' };
  }
  const prep = arm64Prepare({ baseGfn: slot.baseGfn, npages: slot.npages, hva: slot.hva, size: slot.size, logDirty: slot.flags.logDirty }, ctx);
  // kvm_set_memslot invalidates and flushes the old slot of a MOVE before arch prepare runs, so a
  // failed prepare leaves the old range unmapped (the INVALID copy is reverted, the stage 2 is not).
  if (prep) return c.change === 'move' && old ? { ok: false, errno: prep.errno, flushedOld: old } : { ok: false, errno: prep.errno };
  table.set(slot.id, slot);
  return { ok: true, change: c.change, old, new: slot };
}

/** After a successful delete or move, the old slot's IPA range must be unmapped (kvm_arch_flush_shadow_memslot). */
export function commitUnmapsOld(r: SetMemslotResult): boolean {
  return r.ok && (r.change === 'delete' || r.change === 'move');
}

/** After a successful create / move / flagsOnly of a LOG_DIRTY slot, write-protect it (kvm_arch_commit_memory_region). */
export function commitWriteProtects(r: SetMemslotResult): boolean {
  return r.ok && r.change !== 'delete' && r.change !== 'none' && r.new?.flags.logDirty === true;
}
