/** Host changes and their MMU-notifier calls: mmap replace, munmap, mprotect, MADV_DONTNEED, open invalidations, aging. */
import { HostMm } from './hostMm';
import { S2InputError } from '../types';
import { A, P, Recorder, inv } from './testUtil';

function setup(): { mm: HostMm; rec: Recorder } {
  const mm = new HostMm();
  const rec = new Recorder();
  mm.subscribe(rec);
  return { mm, rec };
}

describe('mmap MAP_FIXED and munmap', () => {
  it('a new mapping over an old one unmaps it (notified once) and starts empty', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 8 * P, prot: 'rw', kind: 'anon' });
    mm.touch(A + 2 * P, true);
    expect(rec.take()).toEqual([]);
    expect(mm.mmap({ hva: A + 2 * P, size: 8 * P, prot: 'r', kind: 'file' })).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A + 2 * P, A + 8 * P)); // the part old VMAs covered
    expect(mm.pte(A + 2 * P)).toBeUndefined();
    expect(mm.vmas().map((v) => [v.kind, v.start, v.end])).toEqual([['anon', A, A + 2 * P], ['file', A + 2 * P, A + 10 * P]]);
  });

  it('munmap of a range without VMAs is a silent no-op; a hole in the middle splits the VMA', () => {
    const { mm, rec } = setup();
    expect(mm.munmap(A, P)).toEqual({ ok: true });
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'anon' });
    expect(rec.take()).toEqual([]);
    expect(mm.munmap(A + P, P)).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A + P, A + 2 * P));
    expect(mm.vmas().map((v) => [v.start, v.end])).toEqual([[A, A + P], [A + 2 * P, A + 4 * P]]);
  });
});

describe('mprotect', () => {
  it('splits the VMA at the edges, drops the write bit under one invalidation, merges back', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 8 * P, prot: 'rw', kind: 'anon' });
    const w = mm.touch(A + 3 * P, true);
    expect(mm.mprotect(A + 2 * P, 2 * P, 'r')).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A + 2 * P, A + 4 * P));
    expect(mm.vmas().map((v) => [v.prot, v.start, v.end])).toEqual([
      ['rw', A, A + 2 * P], ['r', A + 2 * P, A + 4 * P], ['rw', A + 4 * P, A + 8 * P],
    ]);
    expect(mm.pte(A + 3 * P)).toEqual({ pfn: w.kind === 'ok' ? w.pfn : -1, writable: false, size: P });
    expect(mm.hvaToPfn(A + 3 * P, { write: true, writableOk: true })).toEqual({ kind: 'fault' });
    // same protection again: nothing changes, nothing notified
    expect(mm.mprotect(A + 2 * P, 2 * P, 'r')).toEqual({ ok: true });
    expect(rec.take()).toEqual([]);
    // upgrade: exclusive anon page writable again (same pfn), VMAs merge
    expect(mm.mprotect(A, 8 * P, 'rw')).toEqual({ ok: true });
    expect(rec.take()).toEqual(inv(A + 2 * P, A + 4 * P));
    expect(mm.pte(A + 3 * P)?.writable).toBe(true);
    expect(mm.vmas()).toHaveLength(1);
  });

  it('the zero page stays read-only after an upgrade', () => {
    const { mm } = setup();
    mm.mmap({ hva: A, size: P, prot: 'r', kind: 'anon' });
    mm.touch(A, false);
    mm.mprotect(A, P, 'rw');
    expect(mm.pte(A)).toEqual({ pfn: mm.zeroPfn, writable: false, size: P });
  });

  it('a hole: ENOMEM, applied up to the hole; nothing mapped at start: ENOMEM, nothing applied', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'anon' });
    mm.mmap({ hva: A + 3 * P, size: P, prot: 'rw', kind: 'anon' });
    expect(mm.mprotect(A + P, 3 * P, 'r')).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(rec.take()).toEqual(inv(A + P, A + 2 * P));
    expect(mm.findVma(A + 3 * P)?.prot).toBe('rw');
    expect(mm.mprotect(A + 2 * P, 2 * P, 'r')).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(rec.take()).toEqual([]);
    expect(mm.mprotect(A, 0, 'none')).toEqual({ ok: true });
  });
});

describe('MADV_DONTNEED', () => {
  it('zaps anon pages (next read: zero page); holes give ENOMEM after zapping', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 2 * P, prot: 'rw', kind: 'anon' });
    mm.touch(A, true);
    expect(mm.madviseDontneed(A, 4 * P)).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(rec.take()).toEqual(inv(A, A + 2 * P));
    expect(mm.touch(A, false)).toEqual({ kind: 'ok', pfn: mm.zeroPfn, writable: false });
    expect(mm.madviseDontneed(A, 0)).toEqual({ ok: true });
  });
});

describe('open invalidations', () => {
  it('ids count from 0; start at begin, end at end; the range is zapped at begin', () => {
    const { mm, rec } = setup();
    mm.mmap({ hva: A, size: 4 * P, prot: 'rw', kind: 'anon' });
    const old = mm.touch(A, true);
    expect(mm.invalidateBegin(A, 2 * P)).toBe(0);
    expect(mm.invalidateBegin(A + 0x10_0000, P)).toBe(1); // no VMA: still reported
    expect(rec.take()).toEqual([`start ${A.toString(16)}-${(A + 2 * P).toString(16)}`, `start ${(A + 0x10_0000).toString(16)}-${(A + 0x10_1000).toString(16)}`]);
    expect(mm.pte(A)).toBeUndefined();
    expect(mm.openInvalidations().map((o) => o.id)).toEqual([0, 1]);
    const fresh = mm.touch(A, true); // a touch while open repopulates with a new page
    expect(fresh).not.toEqual(old);
    mm.invalidateEnd(1);
    mm.invalidateEnd(0);
    expect(rec.take()).toEqual([`end ${(A + 0x10_0000).toString(16)}-${(A + 0x10_1000).toString(16)}`, `end ${A.toString(16)}-${(A + 2 * P).toString(16)}`]);
    expect(mm.invalidateBegin(A, P)).toBe(2);
  });

  it('unknown or already-ended ids throw S2InputError naming id', () => {
    const { mm } = setup();
    const id = mm.invalidateBegin(A, P);
    mm.invalidateEnd(id);
    expect(() => mm.invalidateEnd(id)).toThrow(S2InputError);
    expect(() => mm.invalidateEnd(7)).toThrow(/^id: /);
    expect(() => mm.invalidateEnd(-1)).toThrow(S2InputError);
    expect(() => mm.invalidateBegin(A + 1, P)).toThrow(/^hva: /);
    expect(() => mm.invalidateBegin(A, 0)).toThrow(/^size: /);
  });
});

describe('listeners and aging', () => {
  it('listeners are called in subscription order; age ORs all answers, testAge stops at the first young', () => {
    const mm = new HostMm();
    const a = new Recorder('a:');
    const b = new Recorder('b:');
    mm.subscribe(a);
    mm.subscribe(b);
    const log: string[] = [];
    const orig = [a.invalidateRangeStart.bind(a), b.invalidateRangeStart.bind(b)];
    a.invalidateRangeStart = (s, e): void => { log.push('a'); orig[0](s, e); };
    b.invalidateRangeStart = (s, e): void => { log.push('b'); orig[1](s, e); };
    mm.invalidateBegin(A, P);
    expect(log).toEqual(['a', 'b']);
    a.young = true;
    expect(mm.testAge(A, P)).toBe(true);
    expect(b.events.filter((e) => e.startsWith('b:ty'))).toEqual([]);
    expect(mm.age(A, P)).toBe(true);
    expect(b.events.filter((e) => e.startsWith('b:cfy'))).toHaveLength(1);
    expect(mm.age(A, P)).toBe(false); // a's young was cleared
    expect(() => mm.age(A, 0)).toThrow(S2InputError);
  });
});
