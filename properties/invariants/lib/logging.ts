/** Dirty-logging state of a slot as the model's slot table reports it (facts §17). */
import type { Memslot } from '../../../model/memslotTypes';

/** Logging active for faults: a dirty bitmap on a non-READONLY slot. Source: kvm_slot_dirty_track_enabled (facts §17). */
export const logging = (m: Memslot): boolean => m.dirty !== undefined && !m.flags.readonly;

const NONE: readonly Memslot[] = Object.freeze([]);

/** Slots with logging active, in table order (a shared empty list when none: no allocation on most steps). */
export function loggingSlots(slots: ReadonlyMap<number, Memslot>): readonly Memslot[] {
  let out: Memslot[] | null = null;
  for (const m of slots.values()) if (logging(m)) (out ??= []).push(m);
  return out ?? NONE;
}
