/** Tests of setMemslot change classification, committed state, dirty-bitmap lifetime and input errors. */
import { S2InputError } from './types';
import { commitUnmapsOld, commitWriteProtects, setMemslot, type MemslotTable, type SetMemslotArgs, type SetMemslotCtx } from './memslots';

const MiB = 0x100000;
const HVA = 0x7f0000000000;
const GPA = 0x40000000;
const ctx: SetMemslotCtx = { config: { granule: 4096, iaBits: 40, fwb: false, dic: false }, vmasIntersecting: () => [] };
const args = (over: Partial<SetMemslotArgs> = {}): SetMemslotArgs => ({ slot: 0, gpa: GPA, size: 2 * MiB, hva: HVA, flags: [], ...over });

function created(flags: string[] = []): MemslotTable {
  const t: MemslotTable = new Map();
  expect(setMemslot(t, args({ flags }), ctx).ok).toBe(true);
  return t;
}

describe('setMemslot classification (facts §12.2 change kinds)', () => {
  test('create installs the slot with page-granular fields', () => {
    const t: MemslotTable = new Map();
    const r = setMemslot(t, args({ flags: ['READONLY'] }), ctx);
    const want = { id: 0, gpa: GPA, size: 2 * MiB, hva: HVA, baseGfn: GPA / 4096, npages: 512,
      flags: { readonly: true, logDirty: false }, dirty: undefined };
    expect(r).toEqual({ ok: true, change: 'create', old: undefined, new: want });
    expect(t.get(0)).toEqual(want);
  });
  test('delete removes the slot and returns it', () => {
    const t = created();
    const old = t.get(0);
    expect(setMemslot(t, args({ size: 0, gpa: 0, hva: 0 }), ctx)).toEqual({ ok: true, change: 'delete', old });
    expect(t.size).toBe(0);
  });
  test('move changes only the base gfn', () => {
    const t = created();
    const r = setMemslot(t, args({ gpa: GPA + 8 * MiB }), ctx);
    expect(r).toMatchObject({ ok: true, change: 'move', old: { baseGfn: GPA / 4096 }, new: { baseGfn: (GPA + 8 * MiB) / 4096 } });
    expect(t.get(0)?.gpa).toBe(GPA + 8 * MiB);
  });
  test('a move may overlap its own old range', () => {
    const t = created();
    expect(setMemslot(t, args({ gpa: GPA + MiB }), ctx)).toMatchObject({ ok: true, change: 'move' });
  });
  test('toggling LOG_DIRTY is flags-only', () => {
    const t = created();
    expect(setMemslot(t, args({ flags: ['LOG_DIRTY'] }), ctx)).toMatchObject({ ok: true, change: 'flagsOnly' });
    expect(setMemslot(t, args(), ctx)).toMatchObject({ ok: true, change: 'flagsOnly' });
  });
  test('same gpa and flags is a no-op (flag order and repeats do not matter)', () => {
    const t = created(['READONLY', 'LOG_DIRTY']);
    const before = t.get(0);
    expect(setMemslot(t, args({ flags: ['LOG_DIRTY', 'READONLY', 'LOG_DIRTY'] }), ctx)).toEqual({ ok: true, change: 'none', old: before });
    expect(t.get(0)).toBe(before);
  });
  test('touching slots do not overlap', () => {
    const t = created();
    const r = setMemslot(t, args({ slot: 1, gpa: GPA + 2 * MiB, hva: HVA + 2 * MiB }), ctx);
    expect(r).toMatchObject({ ok: true, change: 'create' });
  });
  test('a deleted slot id can be created again anywhere', () => {
    const t = created();
    setMemslot(t, args({ size: 0 }), ctx);
    expect(setMemslot(t, args({ hva: HVA + 64 * MiB, size: MiB }), ctx)).toMatchObject({ ok: true, change: 'create' });
  });
});

describe('dirty bitmap lifetime (facts §12.3)', () => {
  test('create with LOG_DIRTY starts with an empty bitmap', () => {
    expect(created(['LOG_DIRTY']).get(0)?.dirty).toEqual(new Set());
  });
  test('flags-only enable allocates a bitmap, disable frees it', () => {
    const t = created();
    setMemslot(t, args({ flags: ['LOG_DIRTY'] }), ctx);
    expect(t.get(0)?.dirty).toEqual(new Set());
    setMemslot(t, args(), ctx);
    expect(t.get(0)?.dirty).toBeUndefined();
  });
  test('a move keeps the bitmap of a logging slot', () => {
    const t = created(['LOG_DIRTY']);
    t.get(0)?.dirty?.add(3);
    setMemslot(t, args({ gpa: GPA + 8 * MiB, flags: ['LOG_DIRTY'] }), ctx);
    expect(t.get(0)?.dirty).toEqual(new Set([3]));
  });
  test('READONLY + LOG_DIRTY slots also get a bitmap', () => {
    expect(created(['READONLY', 'LOG_DIRTY']).get(0)?.dirty).toEqual(new Set());
  });
});

describe('commit actions for the caller', () => {
  test.each([
    ['create', [] as string[], args(), false, false],
    ['create with LOG_DIRTY', [] as string[], args({ slot: 1, gpa: 0, hva: 0, flags: ['LOG_DIRTY'] }), false, true],
    ['delete', [] as string[], args({ size: 0 }), true, false],
    ['move', [] as string[], args({ gpa: 0 }), true, false],
    ['move of a logging slot', ['LOG_DIRTY'], args({ gpa: 0, flags: ['LOG_DIRTY'] }), true, true],
    ['flags-only enable', [] as string[], args({ flags: ['LOG_DIRTY'] }), false, true],
    ['flags-only disable', ['LOG_DIRTY'], args(), false, false],
    ['no-op', ['LOG_DIRTY'], args({ flags: ['LOG_DIRTY'] }), false, false],
  ])('%s: unmap old %s? write-protect %s?', (_name, initial, a, unmap, wp) => {
    const r = setMemslot(created(initial), a, ctx);
    expect(r.ok).toBe(true);
    expect(commitUnmapsOld(r)).toBe(unmap);
    expect(commitWriteProtects(r)).toBe(wp);
  });
  test('a failed call asks for nothing', () => {
    const r = setMemslot(new Map(), args({ size: 0 }), ctx);
    expect(commitUnmapsOld(r) || commitWriteProtects(r)).toBe(false);
  });
});

describe('malformed fields throw S2InputError naming the field', () => {
  test.each([
    ['slot', args({ slot: -1 })], ['slot', args({ slot: 2 ** 32 })], ['gpa', args({ gpa: 0.5 })],
    ['size', args({ size: -4096 })], ['hva', args({ hva: 2 ** 64 })],
  ])('%s', (field, a) => {
    expect(() => setMemslot(new Map(), a, ctx)).toThrow(S2InputError);
    try { setMemslot(new Map(), a, ctx); } catch (e) { expect((e as S2InputError).field).toBe(field); }
  });
});
