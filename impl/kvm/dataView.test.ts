/** What an access found in memory (impl/kvm/dataView.ts): current on mainline, stale or not-backing where KVM's maintenance was missing. */
import type { AccessKind, Config, DataView, S1MemType } from '../../model/types';
import { GPA, HVA, implSlot, implWorld, type ImplWorld } from './testkit';

const NO_FWB: Partial<Config> = { fwb: false, dic: false };
const MB = 0x10_0000;

/** Run `kind` at `ipa` and return its outcome kind and data view. */
function access(w: ImplWorld, ipa: number, kind: AccessKind, s1: S1MemType = 'normal'): { kind: string; data: DataView | undefined } {
  const o = w.kvm.access(0, ipa, kind, s1);
  return { kind: o.kind, data: w.kvm.dataView(ipa, kind, o) };
}

const world = (bugs: Config['bugs'] = [], config: Partial<Config> = {}): ImplWorld => implWorld({ ...NO_FWB, ...config, bugs });

describe('dataView', () => {
  test('a fresh page read with the cache off is current on mainline, stale when the map path skips its clean', () => {
    for (const [bugs, want] of [[[], 'current'], [['map-without-dcache-clean'], 'stale']] as const) {
      const w = world([...bugs]);
      implSlot(w);
      expect(access(w, GPA, 'read', 'nc')).toEqual({ kind: 'ok', data: want });
    }
  });

  test('FWB makes the same read cacheable: current even without the clean', () => {
    const w = world(['map-without-dcache-clean'], { fwb: true });
    implSlot(w);
    expect(access(w, GPA, 'read', 'nc')).toEqual({ kind: 'ok', data: 'current' });
  });

  test('the guest reading around the cache what it wrote through it: stale on mainline too (its own mismatched attributes)', () => {
    const w = world();
    implSlot(w);
    access(w, GPA, 'write');
    expect(access(w, GPA, 'read', 'nc').data).toBe('stale');
    access(w, GPA, 'dc_civac');
    expect(access(w, GPA, 'read', 'nc').data).toBe('current');
  });

  test('a fetch is stale without the I-cache invalidation, current with DIC', () => {
    const run = (bugs: Config['bugs'], config: Partial<Config> = {}): DataView | undefined => {
      const w = world(bugs, config);
      implSlot(w);
      return access(w, GPA, 'exec').data;
    };
    expect(run([])).toBe('current');
    expect(run(['exec-map-without-icache-inval'])).toBe('stale');
    expect(run(['exec-map-without-icache-inval'], { dic: true })).toBe('current');
  });

  test('a write around the cache survives a migration on mainline, is lost when the unmap skips its clean+invalidate', () => {
    for (const [bugs, want] of [[[], 'current'], [['unmap-without-dcache-clean'], 'stale']] as const) {
      const w = world([...bugs]);
      implSlot(w);
      access(w, GPA, 'write', 'nc'); // memory newer than the (clean, stale) lines the host's linear map may hold
      expect(w.kvm.dcache.isNcWritten((w.host.pte(HVA)?.pfn ?? 0) * 4096)).toBe(true);
      w.host.migrate(HVA); // KVM unmaps (mainline: clean+invalidate), then the host copies through its cache
      expect(access(w, GPA, 'read')).toEqual({ kind: 'ok', data: want });
    }
  });

  test('a guest DC CVAC does not invalidate: the copy still sees stale lines; DC CIVAC does', () => {
    for (const [cmo, want] of [['dc_cvac', 'stale'], ['dc_civac', 'current']] as const) {
      const w = world(['unmap-without-dcache-clean']);
      implSlot(w);
      access(w, GPA, 'write', 'nc');
      access(w, GPA, cmo);
      w.host.migrate(HVA);
      expect(access(w, GPA, 'read').data).toBe(want);
    }
  });

  test('a stale TLB entry reaches a page the host no longer maps: not-backing', () => {
    for (const [bugs, want] of [[[], 'current'], [['collapse-tlbi-one-address'], 'not-backing']] as const) {
      const w = world([...bugs]);
      implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB }, ['LOG_DIRTY']);
      access(w, GPA + 0x1000, 'read'); // a 4 KiB page under a level-3 table while logging, cached in the TLB
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: [] });
      access(w, GPA, 'read'); // the table collapses into a 2 MiB block; the buggy TLBI covers GPA only
      w.host.madviseDontneed(HVA, 2 * MB); // the block is unmapped (one TLBI at its base), the huge page freed
      expect(access(w, GPA + 0x1000, 'read')).toEqual({ kind: 'ok', data: want });
    }
  });

  test('no data view for CMOs, AT, faults, or outside every slot', () => {
    const w = world();
    implSlot(w);
    expect(access(w, GPA, 'dc_civac').data).toBeUndefined();
    expect(access(w, GPA + 4 * MB, 'read')).toEqual({ kind: 'mmio', data: undefined });
  });
});
