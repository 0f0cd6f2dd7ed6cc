/** Tests of dirty logging: markDirty (invariant 38), GET take-and-clear, CLEAR alignment rules (facts §17). */
import { S2InputError } from './types';
import { clearDirtyLog, getDirtyLog, loggingActive, markDirty } from './dirtylog';
import { setMemslot, type Memslot, type MemslotTable, type SetMemslotCtx } from './memslots';

const ctx: SetMemslotCtx = { config: { granule: 4096, iaBits: 40, fwb: false, dic: false }, vmasIntersecting: () => [] };
const BASE = 0x40000; // gfn of gpa 0x4000_0000

/** slot 0: LOG_DIRTY, 200 pages; slot 1: no logging; slot 2: READONLY + LOG_DIRTY. */
function table(): MemslotTable {
  const t: MemslotTable = new Map();
  setMemslot(t, { slot: 0, gpa: 0x40000000, size: 200 * 4096, hva: 0x7f0000000000, flags: ['LOG_DIRTY'] }, ctx);
  setMemslot(t, { slot: 1, gpa: 0x50000000, size: 0x100000, hva: 0x7f0010000000, flags: [] }, ctx);
  setMemslot(t, { slot: 2, gpa: 0x60000000, size: 0x100000, hva: 0x7f0020000000, flags: ['READONLY', 'LOG_DIRTY'] }, ctx);
  return t;
}
function slot(t: MemslotTable, id: number): Memslot {
  const s = t.get(id);
  if (!s) throw new Error(`slot ${id} missing`);
  return s;
}

describe('markDirty (facts §16, invariant 38)', () => {
  test('records the page index in a logging slot', () => {
    const t = table();
    expect(markDirty(slot(t, 0), BASE + 5)).toBe(true);
    expect(slot(t, 0).dirty).toEqual(new Set([5]));
  });
  test('does nothing in a slot without logging', () => {
    const t = table();
    expect(markDirty(slot(t, 1), 0x50000)).toBe(false);
    expect(slot(t, 1).dirty).toBeUndefined();
  });
  test('READONLY + LOG_DIRTY never gets a dirty bit', () => {
    const t = table();
    expect(loggingActive(slot(t, 2))).toBe(false);
    expect(markDirty(slot(t, 2), 0x60000)).toBe(false);
    expect(getDirtyLog(t, 2)).toEqual({ ok: true, slot: slot(t, 2), dirty: [] });
  });
  test('a gfn outside the slot is an input error', () => {
    expect(() => markDirty(slot(table(), 0), BASE + 200)).toThrow(S2InputError);
  });
});

describe('getDirtyLog (kvm_get_dirty_log_protect, non-manual)', () => {
  test('returns sorted page indices, then the bitmap is empty', () => {
    const t = table();
    for (const i of [70, 3, 199, 3]) markDirty(slot(t, 0), BASE + i);
    expect(getDirtyLog(t, 0)).toMatchObject({ ok: true, dirty: [3, 70, 199] });
    expect(getDirtyLog(t, 0)).toMatchObject({ ok: true, dirty: [] });
  });
  test.each([
    ['a slot without a bitmap → ENOENT', 1, 'ENOENT'],
    ['a nonexistent in-range slot id → ENOENT', 7, 'ENOENT'],
    ['slot id ≥ KVM_USER_MEM_SLOTS → EINVAL', 32767, 'EINVAL'],
    ['as_id ≥ 1 → EINVAL', 65536, 'EINVAL'],
  ] as const)('%s', (_name, id, errno) => {
    expect(getDirtyLog(table(), id)).toEqual({ ok: false, errno });
  });
});

describe('clearDirtyLog (kvm_clear_dirty_log_protect)', () => {
  function dirtyAll(): MemslotTable {
    const t = table();
    for (let i = 0; i < 200; i++) markDirty(slot(t, 0), BASE + i);
    return t;
  }
  test('clears [first, first + count) and returns what was cleared', () => {
    const t = table();
    for (const i of [1, 63, 64, 130]) markDirty(slot(t, 0), BASE + i);
    expect(clearDirtyLog(t, 0, 0, 128)).toMatchObject({ ok: true, cleared: [1, 63, 64] });
    expect([...(slot(t, 0).dirty ?? [])]).toEqual([130]);
    expect(clearDirtyLog(t, 0, 0, 128)).toMatchObject({ ok: true, cleared: [] });
  });
  test('count may be unaligned when it reaches the slot end', () => {
    const t = dirtyAll();
    const r = clearDirtyLog(t, 0, 128, 72);
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.cleared).toEqual(Array.from({ length: 72 }, (_, i) => 128 + i));
    expect(slot(t, 0).dirty?.size).toBe(128);
  });
  test('count 0 and first == npages are accepted and clear nothing', () => {
    expect(clearDirtyLog(dirtyAll(), 0, 64, 0)).toMatchObject({ ok: true, cleared: [] });
    expect(clearDirtyLog(table(), 0, 192, 8)).toMatchObject({ ok: true, cleared: [] });
  });
  test.each([
    ['first not a multiple of 64', 0, 32, 64, 'EINVAL'],
    ['first not a multiple of 64 is checked before the slot lookup', 1, 32, 64, 'EINVAL'],
    ['count not a multiple of 64 short of the end', 0, 0, 100, 'EINVAL'],
    ['count beyond the slot end', 0, 128, 73, 'EINVAL'],
    ['first beyond the slot', 0, 256, 0, 'EINVAL'],
    ['slot without a bitmap', 1, 0, 64, 'ENOENT'],
    ['nonexistent slot', 9, 0, 64, 'ENOENT'],
    ['slot id out of range', 32767, 0, 64, 'EINVAL'],
    ['as_id ≥ 1', 65536, 0, 64, 'EINVAL'],
  ] as const)('%s (slot %s, first %s, count %s) → %s', (_name, id, first, count, errno) => {
    const t = dirtyAll();
    expect(clearDirtyLog(t, id, first, count)).toEqual({ ok: false, errno });
    expect(slot(t, 0).dirty?.size).toBe(200);
  });
  test('a count that is not a u32 is an input error', () => {
    expect(() => clearDirtyLog(table(), 0, 0, 2 ** 32)).toThrow(S2InputError);
  });
});
