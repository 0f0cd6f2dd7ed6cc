/** TablePool: every change to the words goes through the pool and bumps its version (what walk memos key on). */
import { TablePool } from './pool';

describe('TablePool version', () => {
  it('setEntry writes both words and bumps the version', () => {
    const pool = new TablePool(4096, 2);
    const id = pool.alloc();
    const v = pool.version;
    pool.setEntry(pool.ptrOfPage(id) + 6, 0x403, 0xf000);
    expect([pool.words[pool.ptrOfPage(id) + 6], pool.words[pool.ptrOfPage(id) + 7]]).toEqual([0x403, 0xf000]);
    expect(pool.version).toBe(v + 1);
  });

  it('clearPage zeroes one page and bumps the version; alloc, release, reset and growth bump it too', () => {
    const pool = new TablePool(4096, 2);
    const a = pool.alloc();
    const b = pool.alloc();
    pool.setEntry(pool.ptrOfPage(a), 1, 2);
    pool.setEntry(pool.ptrOfPage(b), 3, 4);
    let v = pool.version;
    pool.clearPage(a);
    expect([pool.words[pool.ptrOfPage(a)], pool.words[pool.ptrOfPage(a) + 1], pool.words[pool.ptrOfPage(b)]]).toEqual([0, 0, 3]);
    expect(pool.version).toBe(v + 1);
    v = pool.version;
    const steps: (() => void)[] = [() => pool.alloc(), () => pool.release(b), () => pool.reset(), () => pool.alloc(5)];
    for (const step of steps) {
      step();
      expect(pool.version).toBeGreaterThan(v);
      v = pool.version;
    }
    expect(pool.words.length).toBeGreaterThanOrEqual(5 * pool.wordsPerPage); // the last step grew the storage
  });

  it('offers its live words read-only: a direct store is a type error (npm run typecheck), setEntry is the way', () => {
    const pool = new TablePool(4096, 1);
    pool.alloc();
    const words = pool.words;
    // @ts-expect-error TableWords has a read-only index signature; if that is lost, typecheck fails here
    const directStore = (): void => { words[0] = 1; };
    pool.setEntry(0, 7, 9);
    expect([words[0], words[1]]).toEqual([7, 9]); // the same storage setEntry writes
    expect(directStore).toBeInstanceOf(Function); // never called
  });
});
