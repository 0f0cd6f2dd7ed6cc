/** Memslots and dirty logs on KvmImpl: errnos and dirty lists equal to the model's, commit effects, the index at 32,767 slots. */
import fc from 'fast-check';
import { HostMm } from '../../model/host/hostMm';
import { KvmModel } from '../../model/index';
import { DEFAULT_CONFIG, type AccessKind } from '../../model/types';
import { KvmImpl } from './index';
import { SlotIndex } from './slotIndex';
import { GPA, HVA, implSlot, implWorld, leafAt } from './testkit';

const MB = 0x10_0000;

type Op =
  | { op: 'set'; slot: number; gpa: number; size: number; hva: number; flags: string[] }
  | { op: 'get'; slot: number }
  | { op: 'clear'; slot: number; first: number; count: number }
  | { op: 'access'; ipa: number; kind: AccessKind };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const), slot: fc.constantFrom(0, 1, 2, 32767, 65536),
    gpa: fc.constantFrom(GPA, GPA + MB, GPA + 0x800, 2 ** 40 - MB, 2 ** 40), size: fc.constantFrom(0, MB, 2 * MB, 0x1800),
    hva: fc.constantFrom(HVA, HVA + MB, HVA + 0x10), flags: fc.subarray(['READONLY', 'LOG_DIRTY', 'BOGUS']),
  }),
  fc.record({ op: fc.constant('get' as const), slot: fc.constantFrom(0, 1, 5, 40000) }),
  fc.record({ op: fc.constant('clear' as const), slot: fc.constantFrom(0, 1), first: fc.constantFrom(0, 64, 3, 256), count: fc.constantFrom(0, 64, 5, 192, 256) }),
  fc.record({ op: fc.constant('access' as const), ipa: fc.integer({ min: 0, max: 767 }).map((p) => GPA + p * 0x1000), kind: fc.constantFrom<AccessKind>('read', 'write', 'exec', 'cas') }),
);

describe('side by side with the model', () => {
  test('setMemslot errnos, dirty logs and access outcomes are equal', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
      const hm = new HostMm();
      const hi = new HostMm();
      for (const h of [hm, hi]) h.mmap({ hva: HVA, size: 4 * MB, prot: 'rw', kind: 'anon' });
      const model = new KvmModel({ ...DEFAULT_CONFIG }, hm);
      const impl = new KvmImpl({ ...DEFAULT_CONFIG }, hi);
      for (const o of ops) {
        if (o.op === 'set') expect(impl.setMemslot(o)).toEqual(model.setMemslot(o));
        else if (o.op === 'get') expect(impl.getDirtyLog(o.slot)).toEqual(model.getDirtyLog(o.slot));
        else if (o.op === 'clear') expect(impl.clearDirtyLog(o.slot, o.first, o.count)).toEqual(model.clearDirtyLog(o.slot, o.first, o.count));
        else expect(impl.access(0, o.ipa, o.kind)).toEqual(model.access(0, o.ipa, o.kind));
      }
      expect(impl.memslots).toEqual(model.memslots);
      expect(impl.counters).toEqual(model.counters);
    }), { seed: 4, numRuns: 300 });
  });
});

describe('commit effects (facts §12.3, §13)', () => {
  test('delete and move unmap the old range before returning', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA + 0x1000, 'write');
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA + 4 * MB, size: 2 * MB, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(leafAt(w.kvm, GPA + 0x1000).mapped).toBe(false);
    w.kvm.access(0, GPA + 4 * MB, 'read');
    expect(w.kvm.setMemslot({ slot: 0, gpa: GPA + 4 * MB, size: 0, hva: HVA, flags: [] })).toEqual({ kind: 'ok' });
    expect(leafAt(w.kvm, GPA + 4 * MB).mapped).toBe(false);
  });

  test('enabling LOG_DIRTY write-protects the slot, then flushes its range', () => {
    const w = implWorld();
    implSlot(w);
    w.kvm.access(0, GPA, 'write');
    w.kvm.effects.clear();
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: ['LOG_DIRTY'] });
    expect(leafAt(w.kvm, GPA).w).toBe(false);
    const ev = w.kvm.effects.events;
    expect(ev[ev.length - 1]).toEqual({ op: 'tlbiRange', ipa: GPA, size: 2 * MB });
  });

  test('get-log flushes only when something was dirty', () => {
    const w = implWorld();
    implSlot(w, {}, ['LOG_DIRTY']);
    w.kvm.effects.clear();
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([]);
    expect(w.kvm.effects.events).toEqual([]);
    w.kvm.access(0, GPA + 0x7000, 'write');
    w.kvm.effects.clear();
    expect(w.kvm.getDirtyLog(0).dirty).toEqual([7]);
    expect(w.kvm.effects.events.map((e) => e.op)).toEqual(['pteStore', 'tlbiRange']);
  });
});

describe('the memslot index', () => {
  test('32,767 slots: lookups and overlap checks by binary search', () => {
    const idx = new SlotIndex();
    for (let id = 0; id < 32767; id++) {
      idx.install({ id, gpa: id * 0x2000, size: 0x1000, hva: 0, baseGfn: id * 2, npages: 1, readonly: false, logDirty: false, dirty: null });
    }
    expect(idx.count).toBe(32767);
    expect(idx.lookup(2 * 12345)?.id).toBe(12345);
    expect(idx.lookup(2 * 12345 + 1)).toBeNull();
    expect(idx.overlaps(99999, 2 * 500 + 1, 1)).toBe(false);
    expect(idx.overlaps(99999, 2 * 500 + 1, 2)).toBe(true);
    expect(idx.overlaps(500, 2 * 500, 1)).toBe(false);
    let hits = 0;
    for (let g = 0; g < 65534; g += 7) if (idx.lookup(g) !== null) hits++;
    expect(hits).toBe(Math.ceil(65534 / 14));
    idx.remove(12345);
    expect(idx.lookup(2 * 12345)).toBeNull();
  });
});
