/** Every historical behaviour of impl/bugs.ts on a short step sequence where it visibly differs from mainline. */
import { BUG_NAMES, type BugName } from '../bugs';
import { annotations } from '../interpret';
import { stage2Map } from '../ops/map';
import { stage2SetOwner } from '../ops/owner';
import { stage2Unmap } from '../ops/unmap';
import { PROT_R } from '../descriptor/prot';
import { Stage2Pgtable } from '../pgtable';
import { makeTranslateOut, translate } from '../translate';
import type { Config } from '../../model/types';
import { GPA, HVA, implSlot, implWorld, leafAt, type ImplWorld } from './testkit';

const DEV_PA = 0x1000_0000; // below RAM: device memory (DESIGN §3 host physical map)
const MB = 0x10_0000;

/** Run `steps` with the bug off and on. */
function both<T>(bug: BugName, steps: (w: ImplWorld) => T, config: Partial<Config> = {}): { main: T; bug: T } {
  return { main: steps(implWorld(config)), bug: steps(implWorld({ ...config, bugs: [bug] })) };
}

const tested: string[] = [];
const t = (name: BugName, fn: () => void): void => { tested.push(name); test(name, fn); };

describe('historical behaviours differ visibly from mainline', () => {
  t('zero-page-device-rw', () => {
    const r = both('zero-page-device-rw', (w) => {
      implSlot(w, {}, ['READONLY']); // untouched anon: a read faults in the zero page
      w.kvm.access(0, GPA, 'read');
      return { leaf: leafAt(w.kvm, GPA), write: w.kvm.access(0, GPA, 'write').kind };
    });
    expect(r.main).toMatchObject({ leaf: { w: false, memtype: 'normal' }, write: 'mmio' });
    expect(r.bug).toMatchObject({ leaf: { w: true, memtype: 'device' }, write: 'ok' });
  });

  t('ro-device-writable', () => {
    const r = both('ro-device-writable', (w) => {
      implSlot(w, { kind: 'pfnmap', pa: DEV_PA, pgprot: 'device' }, ['READONLY']);
      w.kvm.access(0, GPA, 'read');
      return { w: leafAt(w.kvm, GPA).w, write: w.kvm.access(0, GPA, 'write').kind };
    });
    expect(r.main).toEqual({ w: false, write: 'mmio' });
    expect(r.bug).toEqual({ w: true, write: 'ok' });
  });

  t('prepare-pfnmap-pgoff', () => {
    const r = both('prepare-pfnmap-pgoff', (w) => {
      implSlot(w, { kind: 'pfnmap', pa: DEV_PA, pgprot: 'device' });
      return leafAt(w.kvm, GPA + 0x3000);
    });
    expect(r.main.mapped).toBe(false);
    expect(r.bug).toMatchObject({ mapped: true, w: true, memtype: 'device', pa: DEV_PA + 0x3000 });
  });

  t('no-mmu-seq-retry', () => {
    const r = both('no-mmu-seq-retry', (w) => {
      implSlot(w);
      w.host.touch(HVA, true);
      w.kvm.faultBegin(0, GPA, 'read');
      w.host.invalidateBegin(HVA, 0x1000); // hole punch while the fault holds the old pfn
      return { commit: w.kvm.faultCommit(0).kind, mapped: leafAt(w.kvm, GPA).mapped };
    });
    expect(r.main).toEqual({ commit: 'retry', mapped: false });
    expect(r.bug).toEqual({ commit: 'ok', mapped: true });
  });

  t('late-mmu-seq-sample', () => {
    const r = both('late-mmu-seq-sample', (w) => {
      implSlot(w);
      w.host.touch(HVA, true);
      const old = w.host.pte(HVA)?.pfn;
      w.kvm.faultBegin(0, GPA, 'read');
      w.host.invalidateEnd(w.host.invalidateBegin(HVA, 0x1000)); // starts and ends inside the window
      w.host.touch(HVA, true);
      return { commit: w.kvm.faultCommit(0).kind, stale: leafAt(w.kvm, GPA).pa === (old ?? -1) * 0x1000 };
    });
    expect(r.main).toEqual({ commit: 'retry', stale: false });
    expect(r.bug).toEqual({ commit: 'ok', stale: true });
  });

  t('cmo-ro-as-mmio', () => {
    const r = both('cmo-ro-as-mmio', (w) => {
      implSlot(w, {}, ['READONLY']);
      return w.kvm.access(0, GPA, 'dc_civac').kind;
    }, { cmoPolicy: 'proposal2021' });
    expect(r).toEqual({ main: 'ok', bug: 'enosys' });
  });

  t('nc-without-allow-uncached', () => {
    const r = both('nc-without-allow-uncached', (w) => {
      implSlot(w, { kind: 'pfnmap', pa: DEV_PA, pgprot: 'nc' });
      return w.kvm.access(0, GPA, 'read');
    });
    expect(r.main).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
    expect(r.bug).toEqual({ kind: 'ok', effective: 'normal-nc' });
  });

  t('cacheable-pfnmap-without-fwb', () => {
    const r = both('cacheable-pfnmap-without-fwb', (w) => {
      w.host.mmap({ hva: HVA, size: 0x20_0000, prot: 'rw', kind: 'pfnmap', pa: DEV_PA, pgprot: 'normal' });
      const slot = w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 0x20_0000, hva: HVA, flags: [] });
      return { slot, read: w.kvm.access(0, GPA, 'read') };
    });
    expect(r.main.slot).toEqual({ kind: 'errno', errno: 'EINVAL' });
    expect(r.bug.slot).toEqual({ kind: 'ok' });
    expect(r.bug.read).toEqual({ kind: 'ok', effective: 'normal-wb' });
  });

  t('owner-on-valid', () => {
    const run = (bugs: BugName[]): boolean => {
      const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false, bugs: new Set(bugs) });
      stage2Map(pgt, GPA, 0x1000, 0x8010_0000, PROT_R);
      stage2SetOwner(pgt, GPA, 0x1000, 1);
      return translate(pgt, GPA, 'read', makeTranslateOut()).ok;
    };
    expect(run([])).toBe(false); // the mapping was broken and annotated
    expect(run(['owner-on-valid'])).toBe(true); // the live mapping survives set_owner
  });

  t('annotation-not-refcounted', () => {
    const run = (bugs: BugName[]): number => {
      const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: false, bugs: new Set(bugs) });
      stage2Map(pgt, GPA, 0x1000, 0x8010_0000, PROT_R);
      stage2SetOwner(pgt, GPA + 0x1000, 0x1000, 1);
      stage2Unmap(pgt, GPA, 0x1000); // the table still holds the annotation
      return annotations(pgt).length;
    };
    expect(run([])).toBe(1);
    expect(run(['annotation-not-refcounted'])).toBe(0); // table freed with its annotation
  });

  t('s1ptw-always-write', () => {
    const r = both('s1ptw-always-write', (w) => {
      implSlot(w, {}, ['READONLY']);
      return w.kvm.access(0, GPA, 's1ptw_read').kind;
    });
    expect(r).toEqual({ main: 'ok', bug: 'injectDabt' });
  });

  t('huge-no-containment', () => {
    const r = both('huge-no-containment', (w) => {
      w.host.mmap({ hva: HVA, size: 8 * MB, prot: 'rw', kind: 'hugetlb', hugeSize: 2 * MB });
      w.kvm.setMemslot({ slot: 0, gpa: GPA + 2 * MB, size: 3 * MB, hva: HVA + 2 * MB, flags: [] });
      const ipa = GPA + 4 * MB + 0x8_0000; // in the last MiB of the slot
      w.kvm.access(0, ipa, 'read');
      return leafAt(w.kvm, ipa).size;
    });
    expect(r).toEqual({ main: 0x1000, bug: 2 * MB });
  });

  t('logging-ignores-force-pte', () => {
    const r = both('logging-ignores-force-pte', (w) => {
      implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB }, ['LOG_DIRTY']);
      w.kvm.access(0, GPA, 'write');
      return leafAt(w.kvm, GPA).size;
    });
    expect(r).toEqual({ main: 0x1000, bug: 2 * MB });
  });

  t('partial-block-unmap-keeps-block', () => {
    const r = both('partial-block-unmap-keeps-block', (w) => {
      implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB });
      w.kvm.access(0, GPA, 'read');
      w.host.invalidateBegin(HVA + 0x1000, 0x1000);
      return leafAt(w.kvm, GPA).mapped;
    });
    expect(r).toEqual({ main: false, bug: true });
  });

  t('split-without-bbm', () => {
    const r = both('split-without-bbm', (w) => {
      implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB });
      w.kvm.access(0, GPA, 'write');
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: ['LOG_DIRTY'] });
      w.kvm.effects.clear();
      w.kvm.access(0, GPA + 0x5000, 'write'); // permission fault on the block: block → table
      return w.kvm.effects.events.some((e) => e.op === 'tlbiIpa' && e.ipa === GPA && e.level === 2);
    });
    expect(r).toEqual({ main: true, bug: false });
  });

  t('wrprotect-without-tlbi', () => {
    const r = both('wrprotect-without-tlbi', (w) => {
      implSlot(w);
      w.kvm.access(0, GPA, 'write');
      w.kvm.effects.clear();
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: ['LOG_DIRTY'] });
      return w.kvm.effects.events.filter((e) => e.op === 'tlbiRange').length;
    });
    expect(r).toEqual({ main: 1, bug: 0 });
  });

  t('relax-without-tlbi', () => {
    const r = both('relax-without-tlbi', (w) => {
      implSlot(w);
      w.kvm.access(0, GPA, 'write');
      return w.kvm.access(0, GPA, 'exec').kind; // XN leaf cached; the relax adds X
    });
    expect(r).toEqual({ main: 'ok', bug: 'livelock' });
  });

  /** Pages cached under a table, the table collapsed into a block (logging off), then the block unmapped: which page entries survive. */
  const collapse = (w: ImplWorld): number[] => {
    implSlot(w, { kind: 'hugetlb', hugeSize: 2 * MB }, ['LOG_DIRTY']);
    w.kvm.access(0, GPA, 'read');
    w.kvm.access(0, GPA + 0x1000, 'read');
    w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: [] });
    w.kvm.access(0, GPA + 0x2000, 'read'); // maps the 2 MiB block over the table
    return [...w.kvm.tlb.entries()].filter((e) => e.level === 3).map((e) => e.ipa - GPA);
  };

  t('collapse-tlbi-one-address', () => {
    expect(both('collapse-tlbi-one-address', collapse)).toEqual({ main: [], bug: [0x1000] });
  });

  t('table-zap-tlbi-level', () => {
    expect(both('table-zap-tlbi-level', collapse)).toEqual({ main: [], bug: [0, 0x1000] });
  });

  t('unmap-without-dcache-clean', () => {
    const r = both('unmap-without-dcache-clean', (w) => {
      implSlot(w);
      w.kvm.access(0, GPA, 'write'); // a cacheable store: the page holds a dirty line (no FWB)
      w.kvm.effects.clear();
      w.host.madviseDontneed(HVA, 2 * MB);
      return { cleans: w.kvm.effects.events.filter((e) => e.op === 'dcacheCleanInvalPoc').length, dirty: w.kvm.dcache.size };
    });
    expect(r.main.cleans).toBeGreaterThan(0);
    expect(r).toMatchObject({ main: { dirty: 0 }, bug: { cleans: 0, dirty: 1 } });
  });

  t('map-without-dcache-clean', () => {
    const r = both('map-without-dcache-clean', (w) => {
      implSlot(w);
      w.kvm.access(0, GPA, 'read', 'nc'); // the fault maps the page; the guest reads it with its cache off
      const pa = leafAt(w.kvm, GPA).pa;
      return { cleans: w.kvm.effects.events.filter((e) => e.op === 'dcacheCleanInvalPoc').length, clean: w.kvm.dcache.isClean(pa) };
    });
    expect(r.main.cleans).toBeGreaterThan(0);
    expect(r).toMatchObject({ main: { clean: true }, bug: { cleans: 0, clean: false } });
  });

  t('exec-map-without-icache-inval', () => {
    const r = both('exec-map-without-icache-inval', (w) => {
      implSlot(w);
      w.kvm.access(0, GPA, 'write');
      w.kvm.access(0, GPA, 'exec'); // the relax to X invalidates; a fresh executable mapping is the map path's
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 0, hva: HVA, flags: [] });
      w.kvm.setMemslot({ slot: 0, gpa: GPA, size: 2 * MB, hva: HVA, flags: [] });
      w.kvm.effects.clear();
      w.kvm.access(0, GPA + 0x1000, 'exec');
      return w.kvm.effects.events.filter((e) => e.op === 'icacheInvalPou').length;
    });
    expect(r.main).toBeGreaterThan(0);
    expect(r.bug).toBe(0);
  });

  test('every registry entry has a test here', () => {
    expect([...tested].sort()).toEqual([...BUG_NAMES].sort());
  });
});
