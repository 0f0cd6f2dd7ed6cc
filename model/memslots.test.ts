/** Tests of setMemslot: one row per errno rule of facts §12.2 and §13, classification, immutability. */
import type { Vma } from './host/types';
import type { Errno } from './types';
import {
  GENERAL_RULES, PREPARE_RULES, setMemslot,
  type MemslotTable, type SetMemslotArgs, type SetMemslotCtx,
} from './memslots';
import { firstFailingRule, parseRequest } from './memslotRules';

const MiB = 0x100000;
const HVA = 0x7f0000000000;
const GPA = 0x40000000;

function vma(start: number, size: number, extra: Partial<Vma> = {}): Vma {
  return { hva: start, size, prot: 'rw', kind: 'anon', start, end: start + size, ...extra };
}

function ctxOf(vmas: Vma[] = [], cfg: Partial<SetMemslotCtx['config']> = {}): SetMemslotCtx {
  return {
    config: { granule: 4096, iaBits: 40, fwb: false, dic: false, ...cfg },
    vmasIntersecting: (hva, size) => vmas.filter((v) => v.start < hva + size && hva < v.end),
  };
}

function args(over: Partial<SetMemslotArgs> = {}): SetMemslotArgs {
  return { slot: 0, gpa: GPA, size: 2 * MiB, hva: HVA, flags: [], ...over };
}

/** A table holding slot 0 at GPA/HVA (2 MiB) and slot 1 at GPA + 4 MiB / HVA + 4 MiB (2 MiB, LOG_DIRTY). */
function twoSlots(): MemslotTable {
  const t: MemslotTable = new Map();
  expect(setMemslot(t, args(), ctxOf()).ok).toBe(true);
  expect(setMemslot(t, args({ slot: 1, gpa: GPA + 4 * MiB, hva: HVA + 4 * MiB, flags: ['LOG_DIRTY'] }), ctxOf()).ok).toBe(true);
  return t;
}

/** A comparable snapshot of a table (slots and dirty sets). */
function snap(t: MemslotTable): unknown {
  return [...t.values()].map((s) => ({ ...s, dirty: s.dirty ? [...s.dirty] : undefined }));
}

type ErrRow = [rule: string, setup: () => MemslotTable, a: SetMemslotArgs, ctx: SetMemslotCtx, errno: Errno];
const empty = (): MemslotTable => new Map();
const pfn = (extra: Partial<Vma> = {}): Vma => vma(HVA, 2 * MiB, { kind: 'pfnmap', pa: 0x10000000, ...extra });

/** One row per errno rule, named after it (facts §12.2 then §13, in the kernel's order). */
const ERROR_ROWS: ErrRow[] = [
  ['slot id >= KVM_USER_MEM_SLOTS', empty, args({ slot: 32767 }), ctxOf(), 'EINVAL'],
  ['unknown flag', empty, args({ flags: ['GUEST_MEMFD'] }), ctxOf(), 'EINVAL'],
  ['size not page aligned', empty, args({ size: 0x1800 }), ctxOf(), 'EINVAL'],
  ['gpa not page aligned', empty, args({ gpa: GPA + 0x800 }), ctxOf(), 'EINVAL'],
  ['hva not page aligned, tagged or not access_ok', empty, args({ hva: HVA + 0x800 }), ctxOf(), 'EINVAL'],
  ['hva not page aligned, tagged or not access_ok', empty, args({ hva: 2 ** 56 }), ctxOf(), 'EINVAL'],
  ['hva not page aligned, tagged or not access_ok', empty, args({ hva: 2 ** 48 - 4096, size: 8192 }), ctxOf(), 'EINVAL'],
  ['as_id or id out of range', empty, args({ slot: 65536 }), ctxOf(), 'EINVAL'],
  ['gpa + size wraps', empty, args({ gpa: 2 ** 64 - 4096, size: 8192 }), ctxOf(), 'EINVAL'],
  ['npages > KVM_MEM_MAX_NR_PAGES', empty, args({ hva: 0, gpa: 0, size: 2 ** 31 * 4096 }), ctxOf(), 'EINVAL'],
  ['delete of a nonexistent slot', empty, args({ size: 0 }), ctxOf(), 'EINVAL'],
  ['modify changes userspace_addr', twoSlots, args({ hva: HVA + 8 * MiB }), ctxOf(), 'EINVAL'],
  ['modify changes npages', twoSlots, args({ size: MiB }), ctxOf(), 'EINVAL'],
  ['modify toggles READONLY', twoSlots, args({ flags: ['READONLY'] }), ctxOf(), 'EINVAL'],
  ['create overlapping another slot', twoSlots, args({ slot: 2, gpa: GPA + MiB, hva: HVA + 8 * MiB }), ctxOf(), 'EEXIST'],
  ['move overlapping another slot', twoSlots, args({ gpa: GPA + 5 * MiB }), ctxOf(), 'EEXIST'],
  ['slot end beyond the IPA space', empty, args({ gpa: 2 ** 40 - 4096, size: 8192 }), ctxOf(), 'EFAULT'],
  ['pfnmap VMA in a LOG_DIRTY slot', empty, args({ flags: ['LOG_DIRTY'] }), ctxOf([pfn()]), 'EINVAL'],
  ['cacheable pfnmap VMA without FWB and DIC', empty, args(), ctxOf([pfn({ pgprot: 'normal' })]), 'EINVAL'],
  ['cacheable pfnmap VMA without FWB and DIC', empty, args(), ctxOf([pfn({ pgprot: 'normal' })], { fwb: true }), 'EINVAL'],
  ['cacheable pfnmap VMA without FWB and DIC', empty, args(), ctxOf([pfn({ pgprot: 'normal' })], { dic: true }), 'EINVAL'],
];

describe('setMemslot errno rules (facts §12.2, §13)', () => {
  test.each(ERROR_ROWS)('%s → errno, table unchanged', (_rule, setup, a, ctx, errno) => {
    const t = setup();
    const before = snap(t);
    expect(setMemslot(t, a, ctx)).toEqual({ ok: false, errno });
    expect(snap(t)).toEqual(before);
  });

  test('every stateless and prepare rule has a row', () => {
    const rows = new Set(ERROR_ROWS.map(([r]) => r));
    for (const rule of [...GENERAL_RULES, ...PREPARE_RULES]) expect(rows).toContain(rule.name);
  });

  test.each(GENERAL_RULES.map((r, i) => [r.name, i] as const))('stateless rule "%s" fires for its own row', (name) => {
    const row = ERROR_ROWS.find(([r]) => r === name);
    expect(row).toBeDefined();
    if (row) expect(firstFailingRule(parseRequest(row[2], 4096))?.name).toBe(name);
  });

  test('stateless rules run in order: a bad slot id wins over every later violation', () => {
    const a = args({ slot: 32767 + 65536, size: 0x1801, gpa: 1, hva: 1, flags: ['X'] });
    expect(firstFailingRule(parseRequest(a, 4096))?.name).toBe('slot id >= KVM_USER_MEM_SLOTS');
  });

  test('slot ids up to 32766 are accepted', () => {
    expect(setMemslot(new Map(), args({ slot: 32766 }), ctxOf())).toMatchObject({ ok: true, change: 'create' });
  });
});

describe('setMemslot rule order across errnos', () => {
  test('immutable-field EINVAL comes before the overlap EEXIST', () => {
    expect(setMemslot(twoSlots(), args({ gpa: GPA + 4 * MiB, hva: HVA + MiB }), ctxOf())).toEqual({ ok: false, errno: 'EINVAL' });
  });
  test('overlap EEXIST comes before the prepare EFAULT', () => {
    const t = twoSlots();
    const a = args({ slot: 2, gpa: GPA, hva: HVA + 8 * MiB });
    expect(setMemslot(t, a, ctxOf([], { iaBits: 30 }))).toEqual({ ok: false, errno: 'EEXIST' });
  });
  test('EFAULT (IPA space) comes before the VMA checks', () => {
    const a = args({ gpa: 2 ** 40 - 4096, size: 8192, flags: ['LOG_DIRTY'] });
    expect(setMemslot(new Map(), a, ctxOf([pfn()]))).toEqual({ ok: false, errno: 'EFAULT' });
  });
  test('a no-op returns 0 before prepare runs', () => {
    const t = twoSlots(); // slot 1 logs; its hva now holds a pfnmap
    const again = args({ slot: 1, gpa: GPA + 4 * MiB, hva: HVA + 4 * MiB, flags: ['LOG_DIRTY'] });
    expect(setMemslot(t, again, ctxOf([vma(HVA + 4 * MiB, 2 * MiB, { kind: 'pfnmap' })]))).toEqual(
      expect.objectContaining({ ok: true, change: 'none' }));
  });
  test('delete does not run prepare', () => {
    const t = twoSlots();
    const r = setMemslot(t, args({ size: 0 }), ctxOf([pfn({ pgprot: 'normal' })], { iaBits: 20 }));
    expect(r).toMatchObject({ ok: true, change: 'delete' });
    expect(t.has(0)).toBe(false);
  });
  test('flags-only enabling LOG_DIRTY over a pfnmap fails in prepare', () => {
    const t = twoSlots();
    expect(setMemslot(t, args({ flags: ['LOG_DIRTY'] }), ctxOf([pfn()]))).toEqual({ ok: false, errno: 'EINVAL' });
    expect(t.get(0)?.flags.logDirty).toBe(false);
  });
});

describe('setMemslot prepare accepts', () => {
  test('a slot ending exactly at the IPA limit', () => {
    expect(setMemslot(new Map(), args({ gpa: 2 ** 40 - 4096, size: 4096 }), ctxOf()).ok).toBe(true);
  });
  test('a maximal slot (2^31 - 1 pages) when the IPA space holds it', () => {
    const r = setMemslot(new Map(), args({ hva: 0, gpa: 0, size: (2 ** 31 - 1) * 4096 }), ctxOf([], { iaBits: 48 }));
    expect(r).toMatchObject({ ok: true, change: 'create', new: { npages: 2 ** 31 - 1 } });
  });
  test.each([['device'], ['nc'], ['device_nGnRnE']] as const)('a non-cacheable (%s) pfnmap without FWB', (pgprot) => {
    expect(setMemslot(new Map(), args(), ctxOf([pfn({ pgprot })])).ok).toBe(true);
  });
  test('a cacheable pfnmap with FWB and DIC', () => {
    expect(setMemslot(new Map(), args(), ctxOf([pfn({ pgprot: 'normal' })], { fwb: true, dic: true })).ok).toBe(true);
  });
  test('LOG_DIRTY over anon memory and holes', () => {
    expect(setMemslot(new Map(), args({ flags: ['LOG_DIRTY'] }), ctxOf([vma(HVA, MiB)])).ok).toBe(true);
  });
  test('a pfnmap outside the slot does not matter', () => {
    const far = vma(HVA + 2 * MiB, MiB, { kind: 'pfnmap', pgprot: 'normal' });
    expect(setMemslot(new Map(), args({ flags: ['LOG_DIRTY'] }), ctxOf([far])).ok).toBe(true);
  });
});
