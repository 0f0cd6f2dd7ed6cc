/** Tests of the memslot lookups: gfn → slot → hva (facts §16), overlap, hva → slots and gfn ranges (§14.2). */
import {
  gfnRangeForHva, gfnToHva, hvaLookup, overlapsOtherSlot, setMemslot, slotForGfn, slotsIntersectingHva, totalPages,
  type Memslot, type MemslotTable, type SetMemslotCtx,
} from './memslots';

const MiB = 0x100000;
const P = 4096;
const ctx: SetMemslotCtx = { config: { granule: P, iaBits: 40, fwb: false, dic: false }, vmasIntersecting: () => [] };

/** slot 0: gpa 1 GiB, 2 MiB at hva 0x7f00_0000_0000; slot 1: READONLY, gpa 1 GiB + 4 MiB, 1 MiB at hva 0x7f00_0100_0000. */
function table(): MemslotTable {
  const t: MemslotTable = new Map();
  setMemslot(t, { slot: 0, gpa: 0x40000000, size: 2 * MiB, hva: 0x7f0000000000, flags: [] }, ctx);
  setMemslot(t, { slot: 1, gpa: 0x40400000, size: MiB, hva: 0x7f0001000000, flags: ['READONLY'] }, ctx);
  return t;
}
const get = (t: MemslotTable, id: number): Memslot => {
  const s = t.get(id);
  if (!s) throw new Error(`slot ${id} missing`);
  return s;
};

describe('gfn lookups', () => {
  test.each([
    [0x40000, 0], [0x401ff, 0], [0x40200, undefined], [0x403ff, undefined], [0x40400, 1], [0x404ff, 1], [0x40500, undefined], [0, undefined],
  ])('slotForGfn(%s) = slot %s', (gfn, id) => {
    expect(slotForGfn(table(), gfn)?.id).toBe(id);
  });
  test('gfnToHva offsets from the slot base', () => {
    expect(gfnToHva(get(table(), 0), 0x40003, P)).toBe(0x7f0000003000);
    expect(gfnToHva(get(table(), 1), 0x40400, P)).toBe(0x7f0001000000);
  });
  test('hvaLookup: no slot → bad, write to READONLY → roBad, else hva and writability (facts §16)', () => {
    const t = table();
    expect(hvaLookup(t, 0x40200, false, P)).toEqual({ kind: 'bad' });
    expect(hvaLookup(t, 0x40401, true, P)).toEqual({ kind: 'roBad', slot: get(t, 1) });
    expect(hvaLookup(t, 0x40401, false, P)).toEqual({ kind: 'ok', slot: get(t, 1), hva: 0x7f0001001000, writable: false });
    expect(hvaLookup(t, 0x40001, true, P)).toEqual({ kind: 'ok', slot: get(t, 0), hva: 0x7f0000001000, writable: true });
  });
});

describe('overlap and hva → slot', () => {
  test('overlapsOtherSlot ignores the slot itself and allows touching ranges', () => {
    const t = table();
    expect(overlapsOtherSlot(t, 0, 0x40000, 0x200)).toBe(false);
    expect(overlapsOtherSlot(t, 2, 0x40200, 0x200)).toBe(false); // [0x40200, 0x40400) touches both
    expect(overlapsOtherSlot(t, 2, 0x40200, 0x201)).toBe(true);
    expect(overlapsOtherSlot(t, 2, 0x401ff, 1)).toBe(true);
    expect(overlapsOtherSlot(t, 0, 0x40300, 0x101)).toBe(true); // slot 0 moving onto slot 1
  });
  test('slotsIntersectingHva finds slots by host range', () => {
    const t = table();
    expect(slotsIntersectingHva(t, 0x7f0000000000, 0x7f0000001000).map((s) => s.id)).toEqual([0]);
    expect(slotsIntersectingHva(t, 0x7f00001ff000, 0x7f0001001000).map((s) => s.id)).toEqual([0, 1]);
    expect(slotsIntersectingHva(t, 0x7f0000200000, 0x7f0001000000)).toEqual([]);
  });
  test('gfnRangeForHva clips to the slot and rounds the end up to a page', () => {
    const s0 = get(table(), 0);
    expect(gfnRangeForHva(s0, 0x7f0000001800, 0x7f0000002001, P)).toEqual({ start: 0x40001, end: 0x40003 });
    expect(gfnRangeForHva(s0, 0, 2 ** 48, P)).toEqual({ start: 0x40000, end: 0x40200 });
    expect(gfnRangeForHva(s0, 0x7f0000200000, 0x7f0000300000, P)).toEqual({ start: 0x40000, end: 0x40000 });
  });
  test('totalPages sums all slots', () => {
    expect(totalPages(table())).toBe(512 + 256);
  });
});
