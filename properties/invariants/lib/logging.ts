/** Dirty-logging state of a slot as the model's slot table reports it (facts §17). */
import type { Memslot } from '../../../model/memslotTypes';

/** Logging active for faults: a dirty bitmap on a non-READONLY slot. Source: kvm_slot_dirty_track_enabled (facts §17). */
export const logging = (m: Memslot): boolean => m.dirty !== undefined && !m.flags.readonly;

/** Slots with logging active. */
export const loggingSlots = (slots: ReadonlyMap<number, Memslot>): Memslot[] => [...slots.values()].filter(logging);
