/**
 * Kernel profiles (config.kernel): each entry changes what model and impl do (features, host
 * answers) or what the impl alone does (deviations, caught by an invariant), and only on the
 * kernels it names; mainline is unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNEL_PROFILES, PROFILE_ENTRIES, profileEntries, profileHas } from '../model/kernelProfiles';
import type { KernelProfile } from '../model/kernelProfiles';
import { runTrace } from './runner/runner';
import { parseTrace, parseTraceText, type Trace } from './trace';
import { predict, profileOfRelease } from '../real/run';

const BASE = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] };
const PFN_HVA = '0x7f0000000000';

/** A one-page pfnmap of device PA space with `vma` extras, a slot of `slotSize` over it, and one access. */
function pfnmapTrace(kernel: KernelProfile, vma: Record<string, unknown>, kind: string, slotSize = '0x1000'): Trace {
  return parseTrace({
    format: 's2check-trace/1', config: { ...BASE, kernel },
    steps: [
      { op: 'mmap', hva: PFN_HVA, size: '0x1000', prot: 'rw', kind: 'pfnmap', pa: '0x10000000', ...vma },
      { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: slotSize, hva: PFN_HVA, flags: [] },
      { op: 'access', vcpu: 0, ipa: '0x40000000', kind },
    ],
  });
}

const last = (t: Trace) => {
  const r = runTrace(t, { collectAll: true });
  const o = r.outcomes.at(-1);
  return { model: o?.model?.outcome, impl: o?.impl?.outcome, setMemslot: r.outcomes[1]?.model?.outcome, violations: r.violations.map((v) => v.invariant) };
};

describe('kernel profiles', () => {
  test('mainline has no entry; every entry names only older kernels and cites its source', () => {
    expect(profileEntries('mainline')).toEqual([]);
    for (const e of PROFILE_ENTRIES) {
      expect(e.kernels.length).toBeGreaterThan(0);
      expect(e.kernels).not.toContain('mainline');
      expect(e.source.length).toBeGreaterThan(20);
    }
    expect(profileHas({}, 'no-cacheable-pfnmap')).toBe(false);
    expect(profileHas({ kernel: '6.12' }, 'no-cacheable-pfnmap')).toBe(true);
    expect(profileHas({ kernel: '6.12' }, 'no-allow-any-uncached')).toBe(false);
  });

  test('no-allow-any-uncached: VM_ALLOW_ANY_UNCACHED gives Normal-NC from v6.9 on, Device on 6.1', () => {
    const memtype = (k: KernelProfile) => {
      const r = runTrace(pfnmapTrace(k, { pgprot: 'nc', allowAnyUncached: true }, 'read'), { collectAll: true });
      expect(r.violations).toEqual([]);
      return r.outcomes[2].model?.outcome;
    };
    expect(memtype('mainline')).toEqual({ kind: 'ok', effective: 'normal-nc' });
    expect(memtype('6.12')).toEqual({ kind: 'ok', effective: 'normal-nc' });
    expect(memtype('6.1')).toEqual({ kind: 'ok', effective: 'device-nGnRE' });
  });

  test('no-cacheable-pfnmap: a cacheable non-RAM PFNMAP slot is EINVAL without FWB+DIC on mainline, mapped Device before v6.16', () => {
    const main = last(pfnmapTrace('mainline', { pgprot: 'normal' }, 'read'));
    expect(main.setMemslot).toEqual({ kind: 'errno', errno: 'EINVAL' });
    for (const k of ['6.12', '6.1'] as const) {
      const r = last(pfnmapTrace(k, { pgprot: 'normal' }, 'read'));
      expect({ k, ...r }).toEqual({ k, model: { kind: 'ok', effective: 'device-nGnRE' }, impl: { kind: 'ok', effective: 'device-nGnRE' }, setMemslot: { kind: 'ok' }, violations: [] });
      expect(last(pfnmapTrace(k, { pgprot: 'normal' }, 'exec')).model).toEqual({ kind: 'injectPabt' });
    }
  });

  test('pfnmap-prot-none-livelock: on 6.12 only, and only in a slot that could hold a PMD block; NO_FAULT_LIVELOCK catches it', () => {
    const none = { prot: 'none' };
    const in2M = last(pfnmapTrace('6.12', none, 'read', '0x200000'));
    expect(in2M.impl).toEqual({ kind: 'livelock' });
    expect(in2M.model).toEqual({ kind: 'efault' });
    expect(in2M.violations).toContain('NO_FAULT_LIVELOCK');
    // A one-page slot cannot hold a block: 6.12 maps it, like mainline (kernel finding pfnmap-prot-none-mapped).
    expect(last(pfnmapTrace('6.12', none, 'read')).impl).toEqual(last(pfnmapTrace('mainline', none, 'read')).impl);
    for (const k of ['mainline', '6.1'] as const) expect(last(pfnmapTrace(k, none, 'read', '0x200000')).impl).not.toEqual({ kind: 'livelock' });
  });

  test('no-pfnmap-vma-block: a 2 MiB-aligned PFNMAP slot is one block on mainline, pages on 6.12 and 6.1 (the stage-2 fault counts of real/corpus/pfnmap-vma-no-block.json)', () => {
    const leafSize = (k: KernelProfile): number | undefined => {
      const t = parseTrace({
        format: 's2check-trace/1', config: { ...BASE, kernel: k },
        steps: [
          { op: 'mmap', hva: PFN_HVA, size: '0x200000', prot: 'rw', kind: 'pfnmap', pa: '0x10000000' },
          { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: PFN_HVA, flags: [] },
          { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read', expect: { outcome: 'ok', size: k === 'mainline' ? '0x200000' : '0x1000' } },
        ],
      });
      const r = runTrace(t, { collectAll: true });
      expect({ k, violations: r.violations.map((v) => v.invariant), expects: r.expectFailures }).toEqual({ k, violations: [], expects: [] });
      return r.outcomes.length;
    };
    for (const k of ['mainline', '6.12', '6.1'] as const) expect(leafSize(k)).toBe(3);
  });

  test('mmap-merge-next-first: on 6.1 the new mapping joins only its next VMA, so MADV_COLLAPSE over the small part left is EINVAL (real/corpus/mmap-merge-next-first.json)', () => {
    const t = parseTraceText(readFileSync(join(__dirname, '../real/corpus/mmap-merge-next-first.json'), 'utf8'));
    const collapse = (k: KernelProfile) => last({ ...t, config: { ...t.config, kernel: k } });
    expect(collapse('6.1')).toMatchObject({ model: { kind: 'errno', errno: 'EINVAL' }, impl: { kind: 'errno', errno: 'EINVAL' }, violations: [] });
    for (const k of ['6.12', 'mainline'] as const) expect(collapse(k)).toMatchObject({ model: { kind: 'errno', errno: 'ENOMEM' }, impl: { kind: 'errno', errno: 'ENOMEM' }, violations: [] });
  });

  test('collapse-hole-einval: the real corpus trace collapses with EBUSY on mainline and 6.12, EINVAL on 6.1, model and impl alike', () => {
    const t = parseTraceText(readFileSync(join(__dirname, '../real/corpus/thp-collapse-uffd-ebusy.json'), 'utf8'));
    const at = (k: KernelProfile) => runTrace({ ...t, config: { ...t.config, kernel: k } }, { collectAll: true }).outcomes[3];
    for (const [k, errno] of [['mainline', 'EBUSY'], ['6.12', 'EBUSY'], ['6.1', 'EINVAL']] as const) {
      const o = at(k);
      expect({ k, model: o.model?.outcome, impl: o.impl?.outcome }).toEqual({ k, model: { kind: 'errno', errno }, impl: { kind: 'errno', errno } });
    }
  });

  test('change-pte-maps-cow-page: on 6.1 a copy of the zero page is mapped read-only at once where a last-level table is left, so a CMO clean of it logs nothing (model and impl alike)', () => {
    const steps = [
      { op: 'mmap', hva: PFN_HVA, size: '0x200000', prot: 'rw', kind: 'anon' },
      { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: PFN_HVA, flags: ['LOG_DIRTY'] },
      { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'read' },
      { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'read' },
      { op: 'vmmWrite', hva: PFN_HVA }, // copies the zero page: 6.1 maps the copy read-only (the other page keeps the table)
      { op: 'access', vcpu: 0, ipa: '0x40000000', kind: 'dc_civac' }, // needs read only: no fault on 6.1, a logged fault elsewhere
      { op: 'getDirtyLog', slot: 0 },
      { op: 'vmmWrite', hva: '0x7f0000001000' },
      { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'dc_ivac' }, // needs write: a permission fault on 6.1, logged everywhere
      { op: 'getDirtyLog', slot: 0 },
    ];
    const dirty = (k: KernelProfile) => {
      const r = runTrace(parseTrace({ format: 's2check-trace/1', config: { ...BASE, kernel: k }, steps }), { collectAll: true });
      expect({ k, violations: r.violations.map((v) => v.invariant) }).toEqual({ k, violations: [] });
      const at = (i: number) => ({ model: r.outcomes[i].model?.dirty, impl: r.outcomes[i].impl?.dirty });
      return [at(6), at(9)];
    };
    expect(dirty('6.1')).toEqual([{ model: [], impl: [] }, { model: [1], impl: [1] }]);
    for (const k of ['mainline', '6.12'] as const) expect(dirty(k)).toEqual([{ model: [0], impl: [0] }, { model: [1], impl: [1] }]);
    // The real corpus trace: the read after the store faults on 6.12 only, the write on 6.1 only; the last read, alone in its table, on both.
    const t = parseTraceText(readFileSync(join(__dirname, '../real/corpus/change-pte-after-cow.json'), 'utf8'));
    const faults = (k: KernelProfile) => predict({ ...t, config: { ...t.config, kernel: k } }).map((p) => p?.implFaults);
    expect(faults('6.1').slice(5)).toEqual([0, 1, 1, 0, 1]);
    expect(faults('6.12').slice(5)).toEqual([1, 0, 1, 0, 1]);
  });

  test('change-pte-in-open-invalidation: on 6.1 the copy is mapped inside another open invalidation of its hva; NO_STALE_PFN catches it as the known finding', () => {
    const t = parseTraceText(readFileSync(join(__dirname, '../reports/corpus/kernel-change-pte-in-open-invalidation.json'), 'utf8'));
    const r = runTrace(t, { collectAll: true });
    expect(r.violations[0]).toMatchObject({ invariant: 'NO_STALE_PFN', step: 6, known: 'change-pte-in-open-invalidation' });
    // The model (the specification) does not map it; 6.12 and mainline have no change_pte.
    for (const k of ['mainline', '6.12'] as const) expect(runTrace({ ...t, config: { ...t.config, kernel: k } }, { collectAll: true }).violations).toEqual([]);
  });

  test('config.kernel is validated: an unknown profile is one error listing the known ones', () => {
    expect(() => parseTrace({ format: 's2check-trace/1', config: { ...BASE, kernel: '5.10' }, steps: [] })).toThrow(/config\.kernel.*mainline.*6\.12.*6\.1/);
  });

  test('a booted release maps to its profile; an unknown one to mainline', () => {
    expect(profileOfRelease('6.12.118+deb12-cloud-arm64')).toBe('6.12');
    expect(profileOfRelease('6.1.0-57-cloud-arm64')).toBe('6.1');
    expect(profileOfRelease('6.18.0-rc3')).toBe('mainline');
    expect(KERNEL_PROFILES).toContain(profileOfRelease('not booted'));
  });
});
