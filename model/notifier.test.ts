/** Tests of the model's MMU-notifier bookkeeping (facts §14). */
import { NotifierState } from './notifier';

describe('NotifierState (facts §14)', () => {
  test('a counted invalidation blocks installs until it ends, then the old sample is stale', () => {
    const n = new NotifierState();
    const sampled = n.seq;
    n.begin(0x1000, 0x2000, [{ start: 5, end: 6 }]);
    expect(n.inProgress).toBe(1);
    expect(n.mayInstall(sampled)).toBe(false);
    expect(n.invalidating(0x1800)).toBe(true);
    expect(n.end(0x1000, 0x2000)).toBe(true);
    expect(n.inProgress).toBe(0);
    expect(n.seq).toBe(1);
    expect(n.mayInstall(sampled)).toBe(false);
    expect(n.mayInstall(n.seq)).toBe(true);
    expect(n.invalidating(0x1800)).toBe(false);
  });

  test('an invalidation that meets no memslot is not counted (§14.2 step 5) but still open', () => {
    const n = new NotifierState();
    n.begin(0x1000, 0x2000, []);
    expect(n.inProgress).toBe(0);
    expect(n.mayInstall(0)).toBe(true);
    expect(n.invalidating(0x1000)).toBe(true);
    n.end(0x1000, 0x2000);
    expect(n.seq).toBe(0);
  });

  test('the range union only grows while invalidations overlap, and resets at the next first begin', () => {
    const n = new NotifierState();
    n.begin(0, 0x1000, [{ start: 10, end: 12 }]);
    n.begin(0x5000, 0x6000, [{ start: 3, end: 4 }, { start: 20, end: 21 }]);
    expect(n.range).toEqual({ start: 3, end: 21 });
    n.end(0, 0x1000);
    expect(n.range).toEqual({ start: 3, end: 21 });
    n.end(0x5000, 0x6000);
    expect(n.inProgress).toBe(0);
    n.begin(0, 0x1000, [{ start: 7, end: 8 }]);
    expect(n.range).toEqual({ start: 7, end: 8 });
  });

  test('end of a range that is not open reports false and changes nothing', () => {
    const n = new NotifierState();
    expect(n.end(0, 0x1000)).toBe(false);
    expect(n.seq).toBe(0);
  });
});
