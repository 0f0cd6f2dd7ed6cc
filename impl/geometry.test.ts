/** Tests of the stage-2 geometry against kvm-s2-facts §1.1 and every row of the §1.2 table. */
import { blockLevels, LAST_LEVEL, levelShift, makeGeometry, rootIndex, tableIndex } from './geometry';
import { S2InputError, type Granule } from '../model/types';

const GIB = 2 ** 30;
const MIB = 2 ** 20;

describe('§1.1 per-granule numbers', () => {
  // [granule, PAGE_SHIFT, entries/table, [L0..L3 shifts], block levels, block sizes]
  const rows: [Granule, number, number, number[], number[], number[]][] = [
    [4096, 12, 512, [39, 30, 21, 12], [1, 2], [GIB, 2 * MIB]],
    [16384, 14, 2048, [47, 36, 25, 14], [2], [32 * MIB]],
    [65536, 16, 8192, [55, 42, 29, 16], [2], [512 * MIB]],
  ];
  it.each(rows)('granule %i', (granule, pageShift, entries, shifts, blocks, blockSizes) => {
    const g = makeGeometry(granule, 40);
    expect(g.granule).toBe(granule);
    expect(g.pageShift).toBe(pageShift);
    expect(g.tableBits).toBe(pageShift - 3);
    expect(g.entries).toBe(entries);
    expect(g.shifts).toEqual(shifts);
    expect(g.granules).toEqual(shifts.map((s) => 2 ** s));
    expect(g.granules[LAST_LEVEL]).toBe(granule);
    for (let l = 0; l <= 3; l++) expect(levelShift(pageShift, l)).toBe(shifts[l]);
    expect(g.minBlockLevel).toBe(blocks[0]);
    expect(blockLevels(g)).toEqual(blocks);
    expect(blockLevels(g).map((l) => g.granules[l])).toEqual(blockSizes);
  });

  it('level 0 never holds a block, level 3 is the page level', () => {
    for (const granule of [4096, 16384, 65536] as Granule[]) {
      const levels = blockLevels(makeGeometry(granule, 48));
      expect(levels).not.toContain(0);
      expect(levels).not.toContain(LAST_LEVEL);
    }
    expect(LAST_LEVEL).toBe(3);
  });

  it('shift(-1) is the root concatenation shift: 4K 48, 16K 58, 64K 68', () => {
    expect(levelShift(12, -1)).toBe(48);
    expect(levelShift(14, -1)).toBe(58);
    expect(levelShift(16, -1)).toBe(68);
  });
});

describe('§1.2 start level and root concatenation (every table row)', () => {
  // [granule, ia_bits, levels, start level, root bits [hi, lo], root pages, used root entries]
  const rows: [Granule, number, number, number, [number, number], number, number][] = [
    [4096, 32, 2, 2, [31, 21], 4, 2048],
    [4096, 36, 3, 1, [35, 30], 1, 64],
    [4096, 40, 3, 1, [39, 30], 2, 1024],
    [4096, 43, 3, 1, [42, 30], 16, 8192],
    [4096, 44, 4, 0, [43, 39], 1, 32],
    [4096, 48, 4, 0, [47, 39], 1, 512],
    [16384, 40, 2, 2, [39, 25], 16, 32768],
    [16384, 48, 3, 1, [47, 36], 2, 4096],
    [65536, 40, 2, 2, [39, 29], 1, 2048],
    [65536, 46, 2, 2, [45, 29], 16, 131072],
    [65536, 48, 3, 1, [47, 42], 1, 64],
  ];
  it.each(rows)('%i ia_bits %i', (granule, iaBits, levels, start, [hiBit, loBit], pages, used) => {
    const g = makeGeometry(granule, iaBits);
    expect(g.iaBits).toBe(iaBits);
    expect(g.levels).toBe(levels);
    expect(g.startLevel).toBe(start);
    expect(g.startLevel).toBe(4 - g.levels);
    // root bits: the root indexes address bits [ia_bits-1 : shift(start)]
    expect(g.shifts[g.startLevel]).toBe(loBit);
    expect(iaBits - 1).toBe(hiBit);
    expect(g.rootPages).toBe(pages);
    expect(g.rootEntries).toBe(used);
    expect(g.rootEntries).toBe(2 ** (hiBit - loBit + 1));
    expect(g.rootEntries).toBeLessThanOrEqual(g.rootPages * g.entries);
    expect(g.rootPages).toBeLessThanOrEqual(16);
    expect(g.ipaLimit).toBe(2 ** iaBits);
    // facts §1.2: root pages = ((2^ia − 1) >> shift(start − 1)) + 1
    expect(g.rootPages).toBe(Math.floor((2 ** iaBits - 1) / 2 ** levelShift(g.pageShift, start - 1)) + 1);
  });

  it('levels = max(2, ⌊(ia_bits − 8)/(PAGE_SHIFT − 3)⌋) for every valid ia_bits', () => {
    for (const granule of [4096, 16384, 65536] as Granule[]) {
      for (let ia = 32; ia <= 48; ia++) {
        const g = makeGeometry(granule, ia);
        expect(g.levels).toBe(Math.max(2, Math.floor((ia - 8) / (g.pageShift - 3))));
        expect(g.rootPages).toBeGreaterThanOrEqual(1);
        expect(g.rootPages).toBeLessThanOrEqual(16);
        expect(g.rootEntries * g.granules[g.startLevel]).toBe(2 ** ia);
      }
    }
  });
});

describe('index helpers', () => {
  it('tableIndex = (A >> shift(L)) & (entries − 1)', () => {
    const g = makeGeometry(4096, 40);
    const a = 0x12_3456_7000; // bits: L1 index 0x48, L2 index 0x1a2, L3 index 0x167
    expect(tableIndex(g, a, 1)).toBe(Math.floor(a / 2 ** 30) % 512);
    expect(tableIndex(g, a, 1)).toBe(0x48);
    expect(tableIndex(g, a, 2)).toBe(0x1a2);
    expect(tableIndex(g, a, 3)).toBe(0x167);
    expect(tableIndex(g, 0x1fff, 3)).toBe(1);
    expect(tableIndex(g, 2 ** 40 - 1, 3)).toBe(511);
  });

  it('rootIndex spans the concatenated root: page × entries + index in page', () => {
    for (const [granule, ia] of [[4096, 40], [4096, 32], [16384, 40], [65536, 46], [4096, 48]] as [Granule, number][]) {
      const g = makeGeometry(granule, ia);
      const rootShift = levelShift(g.pageShift, g.startLevel - 1);
      for (const a of [0, g.granule, g.granules[g.startLevel], 2 ** (ia - 1) + 12345 * g.granule, 2 ** ia - g.granule]) {
        const page = Math.floor(a / 2 ** rootShift); // facts §1.2 root (page) index
        expect(rootIndex(g, a)).toBe(page * g.entries + tableIndex(g, a, g.startLevel));
        expect(rootIndex(g, a)).toBeLessThan(g.rootEntries);
      }
      expect(rootIndex(g, 2 ** ia - 1)).toBe(g.rootEntries - 1);
    }
  });
});

describe('bad input throws S2InputError naming the field', () => {
  const expectInputError = (f: () => unknown, field: string): void => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(S2InputError);
    expect((err as S2InputError).field).toBe(field);
  };
  it.each([31, 49, 40.5, NaN, -1, 0, Infinity])('iaBits %p', (ia) => expectInputError(() => makeGeometry(4096, ia), 'iaBits'));
  it.each([0, 8192, 4095, 32768, 4096.5])('granule %p', (gr) => expectInputError(() => makeGeometry(gr as Granule, 40), 'granule'));
  // untyped input (JSON/CLI): a numeric string or an Object.prototype key must not be accepted
  it.each(['4096', 'toString', 'constructor'])('granule %p (string)', (gr) =>
    expectInputError(() => makeGeometry(gr as unknown as Granule, 40), 'granule'));
  it('accepts the bounds 32 and 48', () => {
    expect(makeGeometry(65536, 32).levels).toBe(2);
    expect(makeGeometry(4096, 48).levels).toBe(4);
  });
});
