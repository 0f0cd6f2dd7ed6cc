/** Table tests of kvm_handle_guest_abort's decision tree (facts §15.3), the CMO policies (seed 002) and the zero page (seed 000). */
import type { HostView } from './kvm/hostView';
import { KvmModel } from './index';
import { GFN, GPA, HVA, PAGE, slotOver, world } from './testkit/world';
import { DEFAULT_CONFIG, type AccessKind, type CmoPolicy, type Outcome } from './types';

const OUTSIDE = 0x1000_0000; // an IPA in no memslot
const BEYOND = 2 ** 40 + 0x1000; // beyond the VM's 40-bit IPA space

describe('decision tree rows (facts §15.3)', () => {
  test.each<[string, AccessKind, number, Outcome]>([
    ['2/3 data access beyond the IPA size → injected data abort', 'read', BEYOND, { kind: 'injectDabt' }],
    ['2/3 instruction fetch beyond the IPA size → injected prefetch abort', 'exec', BEYOND, { kind: 'injectPabt' }],
    ['6a fetch outside memslots → -ENOEXEC → injected prefetch abort', 'exec', OUTSIDE, { kind: 'injectPabt' }],
    ['6b stage-1 walk outside memslots → injected data abort', 's1ptw_read', OUTSIDE, { kind: 'injectDabt' }],
    ['6c CMO outside memslots → skipped', 'dc_civac', OUTSIDE, { kind: 'skip' }],
    ['6d load with syndrome outside memslots → MMIO exit', 'read', OUTSIDE + 8, { kind: 'mmio', ipa: OUTSIDE + 8, len: 8, write: false }],
    ['6d store with syndrome outside memslots → MMIO write exit', 'write', OUTSIDE, { kind: 'mmio', ipa: OUTSIDE, len: 8, write: true }],
    ['6d no syndrome, no NISV_TO_USER → KVM_RUN fails ENOSYS', 'ld_preidx', OUTSIDE, { kind: 'enosys' }],
    ['6d DC ZVA (a store, CM=0) outside memslots is not skipped', 'dc_zva', OUTSIDE, { kind: 'enosys' }],
  ])('row %s', (_n, kind, ipa, want) => {
    const w = world();
    slotOver(w);
    expect(w.kvm.access(0, ipa, kind)).toEqual(want);
    expect(w.kvm.mappedGfns()).toEqual([]);
  });

  test('6d counters: an MMIO exit counts mmioExits, an ENOSYS counts failedRuns', () => {
    const w = world();
    w.kvm.access(0, OUTSIDE, 'write');
    w.kvm.access(0, OUTSIDE, 'st_preidx');
    expect(w.kvm.counters).toEqual({ mmioExits: 1, failedRuns: 1, uffdFaults: 0 });
  });

  test('6d without syndrome: NISV exit with NISV_TO_USER, injected data abort for a protected VM (§15.7)', () => {
    expect(world({ nisvToUser: true }).kvm.access(0, OUTSIDE, 'cas')).toEqual({ kind: 'nisv', ipa: OUTSIDE });
    expect(world({ protectedVm: true }).kvm.access(0, OUTSIDE, 'cas')).toEqual({ kind: 'injectDabt' });
  });

  test('6b walker write (AF update) into a READONLY slot → injected data abort, never MMIO (§18)', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    w.host.touch(HVA, true);
    expect(w.kvm.access(0, GPA, 's1ptw_read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.access(0, GPA, 's1ptw_write')).toEqual({ kind: 'injectDabt' });
    expect(w.kvm.counters.mmioExits).toBe(0);
  });

  test('6 write to a READONLY slot → MMIO write exit at the exact IPA, nothing mapped (§21 inv. 23)', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA + 0x10, 'write')).toEqual({ kind: 'mmio', ipa: GPA + 0x10, len: 8, write: true });
    expect(w.kvm.mapping(GFN)).toBeUndefined();
  });

  test('7 access-flag fault: an aged leaf is made young again, nothing else changes (§15.8)', () => {
    const w = world();
    slotOver(w);
    w.kvm.access(0, GPA, 'write');
    const before = w.kvm.mapping(GFN);
    expect(w.host.age(HVA, PAGE)).toBe(true);
    expect(w.kvm.mapping(GFN)?.af).toBe(false);
    expect(w.host.testAge(HVA, PAGE)).toBe(false);
    expect(w.kvm.access(0, GPA, 'read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.mapping(GFN)).toEqual(before);
    expect(w.host.testAge(HVA, PAGE)).toBe(true);
  });

  test('8 user_mem_abort: a read maps the page, a write fault maps it writable', () => {
    const w = world();
    slotOver(w);
    expect(w.kvm.access(0, GPA, 'write')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    const leaf = w.kvm.mapping(GFN);
    expect(leaf?.perms).toEqual({ r: true, w: true, x: false });
    expect(leaf?.pfn).toBe(w.host.pte(HVA)?.pfn);
  });

  test.each<[string, 'none' | 'r' | 'hole', AccessKind]>([
    ['PROT_NONE VMA', 'none', 'read'],
    ['write to a read-only VMA', 'r', 'write'],
    ['no VMA at the slot hva', 'hole', 'read'],
  ])('8 user_mem_abort -EFAULT: %s', (_n, prot, kind) => {
    const w = world();
    slotOver(w, { prot: prot === 'hole' ? 'rw' : prot });
    if (prot === 'hole') w.host.munmap(HVA, PAGE);
    expect(w.kvm.access(0, GPA, kind)).toEqual({ kind: 'efault' });
  });

  test('8 user_mem_abort: a hardware-poisoned pfn sends SIGBUS (§15.4 step 9)', () => {
    const w = world();
    slotOver(w);
    const poisoned: HostView = Object.assign(Object.create(w.host) as HostView, { hvaToPfn: () => ({ kind: 'hwpoison' as const }) });
    const kvm = new KvmModel({ ...DEFAULT_CONFIG }, poisoned);
    kvm.setMemslot({ slot: 0, gpa: GPA, size: PAGE, hva: HVA, flags: [] });
    expect(kvm.access(0, GPA, 'read')).toEqual({ kind: 'sigbus' });
  });
  // Row 1 (SEA) and row 4 (other FSCs) cannot arise: the model's hardware raises only translation,
  // access-flag and permission faults. Row 5 (nested virtualisation) is out of scope. A permission
  // fault that is neither write nor exec (§15.4 step 1) cannot arise either: every leaf is readable.
});

describe('CMO policy (seed 002, facts §20c)', () => {
  function cmo(policy: CmoPolicy, kind: AccessKind, ro: boolean, nisvToUser = false): { out: Outcome; w?: boolean } {
    const w = world({ cmoPolicy: policy, nisvToUser });
    slotOver(w, {}, ro ? ['READONLY'] : []);
    w.host.touch(HVA, true);
    const out = w.kvm.access(0, GPA, kind);
    return { out, w: w.kvm.mapping(GFN)?.perms.w };
  }
  const OK = { kind: 'ok', effective: 'normal-wb' };
  test.each<[CmoPolicy, AccessKind, boolean, Outcome]>([
    ['mainline', 'dc_civac', true, { kind: 'enosys' }],
    ['mainline', 'dc_ivac', true, { kind: 'enosys' }],
    ['mainline', 'dc_cvac', true, { kind: 'enosys' }],
    ['mainline', 'dc_civac', false, OK as Outcome],
    ['mainline', 'dc_ivac', false, OK as Outcome],
    ['proposal2021', 'dc_civac', true, OK as Outcome],
    ['proposal2021', 'dc_cvac', true, OK as Outcome],
    ['proposal2021', 'dc_ivac', true, { kind: 'injectDabt' }],
    ['proposal2021', 'dc_ivac', false, OK as Outcome],
    ['proposal2021', 'dc_civac', false, OK as Outcome],
  ])('%s %s on a READONLY slot: %s', (policy, kind, ro, want) => {
    const r = cmo(policy, kind, ro);
    expect(r.out).toEqual(want);
    if (ro) expect(r.w ?? false).toBe(false);
  });

  test('mainline CMO on a READONLY slot with NISV_TO_USER → NISV exit', () => {
    expect(cmo('mainline', 'dc_civac', true, true).out).toEqual({ kind: 'nisv', ipa: GPA });
  });

  test('proposal: a CMO translation fault is a read (zero page RO); DC IVAC then faults again as a write', () => {
    const w = world({ cmoPolicy: 'proposal2021' });
    slotOver(w);
    expect(w.kvm.faultBegin(0, GPA, 'dc_ivac')).toEqual({ kind: 'ok' });
    expect(w.kvm.faultCommit(0)).toEqual({ kind: 'ok' });
    expect(w.kvm.mapping(GFN)).toMatchObject({ pfn: w.host.zeroPfn, perms: { w: false } });
    expect(w.kvm.access(0, GPA, 'dc_ivac')).toEqual(OK);
    expect(w.kvm.mapping(GFN)?.perms.w).toBe(true);
    expect(w.kvm.mapping(GFN)?.pfn).not.toBe(w.host.zeroPfn);
  });

  test('mainline: the same DC IVAC is a write fault from the start (no zero page mapping)', () => {
    const w = world();
    slotOver(w);
    w.kvm.faultBegin(0, GPA, 'dc_ivac');
    w.kvm.faultCommit(0);
    expect(w.kvm.mapping(GFN)?.perms.w).toBe(true);
    expect(w.kvm.mapping(GFN)?.pfn).not.toBe(w.host.zeroPfn);
  });

  test.each<CmoPolicy>(['mainline', 'proposal2021'])('%s: CMOs outside memory are skipped', (policy) => {
    for (const kind of ['dc_civac', 'dc_ivac', 'dc_cvac'] as const) {
      expect(world({ cmoPolicy: policy }).kvm.access(0, OUTSIDE, kind)).toEqual({ kind: 'skip' });
    }
  });
});

describe('zero page (seed 000, §21 invariant 22, M1)', () => {
  test('RO slot over untouched anon: a read maps the zero page read-only Normal; a write exits to MMIO', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 'read')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.mapping(GFN)).toMatchObject({ pfn: w.host.zeroPfn, memtype: 'normal', perms: { r: true, w: false, x: false } });
    expect(w.kvm.permitted(GFN)).toMatchObject({ pfn: w.host.zeroPfn, memtype: 'normal', perms: { w: false } });
    expect(w.kvm.access(0, GPA, 'write')).toEqual({ kind: 'mmio', ipa: GPA, len: 8, write: true });
    expect(w.kvm.mapping(GFN)?.perms.w).toBe(false);
  });

  test('RW slot: the zero page is replaced (COW through the notifier) before anything is writable', () => {
    const w = world();
    slotOver(w);
    w.kvm.access(0, GPA, 'read');
    expect(w.kvm.mapping(GFN)).toMatchObject({ pfn: w.host.zeroPfn, perms: { w: false } });
    expect(w.kvm.access(0, GPA, 'write')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    const leaf = w.kvm.mapping(GFN);
    expect(leaf?.pfn).not.toBe(w.host.zeroPfn);
    expect(leaf?.perms.w).toBe(true);
    expect(w.kvm.notifier.seq).toBe(1);
  });

  test('an instruction fetch from the zero page maps it Normal, executable, never writable or Device', () => {
    const w = world();
    slotOver(w, {}, ['READONLY']);
    expect(w.kvm.access(0, GPA, 'exec')).toEqual({ kind: 'ok', effective: 'normal-wb' });
    expect(w.kvm.mapping(GFN)).toMatchObject({ pfn: w.host.zeroPfn, memtype: 'normal', perms: { w: false, x: true } });
  });
});
