/** The caches as state (impl/dcache.ts, impl/icache.ts, impl/paRanges.ts): what KVM's maintenance and the guest's stores do to them. */
import { DCache } from './dcache';
import { ICache } from './icache';
import { PaRanges } from './paRanges';

const PAGE = 4096;
const M2 = 0x20_0000;

describe('PaRanges', () => {
  test('an aligned block covers exactly its pages; an unaligned or odd-sized range is added page by page', () => {
    const r = new PaRanges(PAGE);
    r.add(0x8020_0000, M2);
    expect([0x8020_0000, 0x8020_0000 + M2 - PAGE].map((p) => r.covers(p))).toEqual([true, true]);
    expect([0x8020_0000 - PAGE, 0x8020_0000 + M2].map((p) => r.covers(p))).toEqual([false, false]);
    r.add(0x9000_1000, 3 * PAGE);
    expect([0x9000_0000, 0x9000_1000, 0x9000_3000, 0x9000_4000].map((p) => r.covers(p))).toEqual([false, true, true, false]);
    r.add(0xa000_0010, 1); // a CMO by address: its page
    expect(r.covers(0xa000_0fff)).toBe(true);
  });
});

describe('DCache', () => {
  test('a store dirties its page; a clean to PoC over it removes the dirt and marks the memory clean', () => {
    const d = new DCache(PAGE);
    d.guestWrite(0x8000_1008);
    expect([...d.pages()]).toEqual([0x8000_1000]);
    expect(d.isClean(0x8000_1000)).toBe(false);
    d.clean(0x8000_0000, M2);
    expect(d.size).toBe(0);
    expect(d.isClean(0x8000_1000)).toBe(true);
  });
});

describe('ICache', () => {
  test('memory is fresh for fetches only once invalidated to PoU', () => {
    const i = new ICache(PAGE);
    expect(i.isFresh(0x8000_0000)).toBe(false);
    i.invalidate(0x8000_0000, PAGE);
    expect([i.isFresh(0x8000_0000), i.isFresh(0x8000_1000)]).toEqual([true, false]);
  });
});
