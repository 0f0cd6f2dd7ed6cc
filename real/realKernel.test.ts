/**
 * The real arm64 kernels (6.12 and 6.1 under QEMU) against the model: every executable invariant
 * fixture, cli test trace, corpus trace, page_fault_test scenario and the README's example agree on every observable step, and a trace
 * with a deliberately wrong expectation is reported as a difference. Without the prerequisites the
 * suite says so in one line and is skipped; under CI=true a missing prerequisite fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTraceText, serialize, type Trace } from '../properties/trace';
import { captureIo, EXIT } from '../cli/io';
import { realMain } from '../cli/real';
import { resolveKernel } from './kernels';
import { missingPrerequisites } from './prerequisites';
import { refusal, runOnReal } from './run';
import { exportReproducer, runReproducer } from './export';
import { realFuzz } from './fuzz';
import { pageFaultTraces } from '../properties/pageFaultTraces';

const ROOT = join(__dirname, '..');
const missing = missingPrerequisites();
const ci = process.env.CI === 'true';
if (missing.length > 0 && !ci) process.stderr.write(`real-kernel tests skipped (missing: ${missing.join(', ')}): run \`npm run real -- setup\` to enable them\n`);

const jsonIn = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
const FILES = [...jsonIn('properties/fixtures'), ...jsonIn('cli/testdata'), ...jsonIn('reports/corpus')];

/** The README's example trace (the one ```json block). */
function readmeExample(): Trace {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /```json\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README has no json example');
  return parseTraceText(m[1]);
}

/** clean.trace.json with its write expected to exit to MMIO: the kernel maps it, so this must differ. */
function wrongExpect(): Trace {
  const t = parseTraceText(readFileSync(join(ROOT, 'cli/testdata/clean.trace.json'), 'utf8'));
  const steps = t.steps.map((s, i) => (i === 2 ? { ...s, expect: { outcome: 'mmio' as const, mmio: { ipa: '0x40001000', len: 8, write: true } } } : s));
  return { ...t, steps };
}

const suite = missing.length > 0 && !ci ? describe.skip : describe;

suite('the real kernel under QEMU', () => {
  test('prerequisites are installed', () => expect(missing).toEqual([]));

  test.each(['6.12', '6.1'])('kernel %s agrees with the model on every executable fixture, cli trace, corpus trace, page_fault_test scenario and the README example; a wrong expect differs', async (series) => {
    const items = [...FILES.map((f) => ({ name: f, trace: parseTraceText(readFileSync(join(ROOT, f), 'utf8')) })),
      ...pageFaultTraces().map(({ name, trace }) => ({ name, trace })),
      { name: 'README example', trace: readmeExample() }, { name: 'wrong expect', trace: wrongExpect() }];
    const run = await runOnReal(items, { kernel: resolveKernel(series), cpu: 'neoverse-n1' });
    expect(run.release).toMatch(new RegExp(`^${series.replace('.', '\\.')}\\.`));
    const byName = new Map(run.traces.map((t) => [t.name, t]));
    for (const { name, trace } of items) {
      const v = byName.get(name);
      if (name === 'wrong expect') continue;
      if (refusal(trace, 'neoverse-n1')) { expect(v?.status).toBe('not executable'); continue; }
      // Registered kernel findings whose outcome the real kernel shows too: pfnmap-prot-none-mapped (mapped, spec
      // EFAULT), s1ptw-device-livelock (a walk that spins, spec injected abort) and pud-fault-level2-livelock (a write
      // to a 1 GiB hugetlb page under a 32-bit IPA space faults forever, spec ok).
      // kernel-pfnmap-prot-none-livelock names kernel 6.12, whose deviation it registers: 6.1 maps that page, as the impl
      // under 6.1's profile does (pfnmap-prot-none-mapped), which the report gives as explained by 6.1's profile.
      const want = name.endsWith('kernel-pfnmap-prot-none-livelock.json') && series === '6.1' ? 'explained by profile'
        : /(PROT_NONE_NEVER_MAPPED|WALK_TO_DEVICE_ABORTS|NO_FAULT_LIVELOCK|kernel-pfnmap-prot-none-mapped|kernel-pfnmap-prot-none-livelock|kernel-s1ptw-device-livelock|kernel-pud-fault-level2-livelock)\.json$/.test(name) ? 'kernel finding' : 'agree';
      expect({ name, status: v?.status, differ: v?.steps.filter((s) => s.status === 'differ' || s.expect) }).toEqual({ name, status: want, differ: [] });
    }
    // Stage-2 faults are traced (kvm:kvm_guest_fault) and compared with the impl's on every access step whose outcome agrees.
    const traced = run.traces.flatMap((t) => t.steps).filter((st) => st.faults !== undefined && st.status === 'agree');
    expect(traced.length).toBeGreaterThanOrEqual(100);
    expect(traced.filter((st) => st.faults?.impl !== st.faults?.real)).toEqual([]);
    // Every completed load's value is compared with what the host's page holds (real/guestMemory.ts): the VMM's descriptors too.
    const loads = run.traces.flatMap((t) => t.steps).filter((st) => st.loaded !== undefined);
    expect(loads.length).toBeGreaterThanOrEqual(30);
    expect(loads.filter((st) => st.loaded?.expected !== '0x0').length).toBeGreaterThanOrEqual(10);
    expect(loads.filter((st) => st.loaded?.expected !== st.loaded?.real)).toEqual([]);
    const ran = run.traces.filter((t) => t.status === 'agree');
    expect(ran.length).toBeGreaterThanOrEqual(18 + 7 + 65);
    // Every page_fault_test row runs and agrees, the 29 whose walker writes AF back (s1ptw_write, FEAT_HAFDBS) included.
    expect(ran.filter((t) => t.name.startsWith('page_fault_test')).length).toBe(65);
    expect(refusal(pageFaultTraces()[0].trace, 'cortex-a57')).toMatch(/s1ptw_write: --cpu cortex-a57 has no FEAT_HAFDBS/);
    const wrong = byName.get('wrong expect');
    expect(wrong?.status).toBe('differ');
    expect(wrong?.steps[2].expect).toBe('expect.outcome: expected "mmio", real kernel "ok"');
  });

  // real/corpus: traces the real kernels taught us. Per kernel: the trace's status, its last step's status and the kernel's result there.
  type Pinned = { status: string; last: string; real: string };
  const REAL_CORPUS: Record<string, Record<'6.12' | '6.1', Pinned>> = {
    // Host model fixed: a PFNMAP that was read-only stays read-only after mprotect(rw); now both agree.
    'pfnmap-mprotect-upgrade-stays-readonly.json': { '6.12': { status: 'agree', last: 'agree', real: 'efault' }, '6.1': { status: 'agree', last: 'agree', real: 'efault' } },
    // MADV_COLLAPSE (model/host/thp.ts), every one recorded under the THP policy its config names and run under the other too (below).
    // Host model fixed: MADV_COLLAPSE needs a present page (EINVAL) and a VMA (ENOMEM).
    'thp-collapse-needs-a-present-page.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Host model fixed: MADV_COLLAPSE of a range not inside one VMA — EINVAL for a VMA that cannot hold an aligned PMD, ENOMEM for a hole after a large VMA's tail.
    'thp-collapse-vma-suitability.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Host model fixed: shmem (memfd) collapse — the page cache counts, not PTEs or protection; a misaligned file offset is EINVAL; a uffd hole EBUSY on 6.12, collapsed on 6.1 (profile shmem-collapse-uffd-hole-ok).
    'thp-collapse-shmem.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'explained by profile', last: 'agree', real: 'ok' } },
    // Host model fixed: a PROT_NONE anon VMA mapped by a THP collapses; a uffd range zapped to nothing (PTE table left) is EBUSY (6.1: EINVAL, profile collapse-hole-einval).
    'thp-collapse-anon-edges.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'explained by profile', last: 'agree', real: 'ok' } },
    // Host model fixed (EBUSY, as 6.12 and mainline say); 6.1's EINVAL is profile entry collapse-hole-einval.
    'thp-collapse-uffd-ebusy.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'explained by profile', last: 'agree', real: 'ok' } },
    // Host model fixed (THP=always): a read maps the huge zero page (already collapsed); zapping one page leaves small-zero-page PTEs, nothing writable (EINVAL).
    'thp-collapse-split-huge-zero.json': { '6.12': { status: 'agree', last: 'agree', real: 'errno EINVAL' }, '6.1': { status: 'agree', last: 'agree', real: 'errno EINVAL' } },
    // Host model fixed (THP=never): page PTEs none of which is writable (zero pages, read-only, PROT_NONE) are EINVAL (SCAN_PAGE_RO).
    'thp-collapse-page-ptes.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Host model fixed: an anon VMA never given a page of its own has no anon_vma (EINVAL); VMAs with different anon_vmas do not merge.
    'thp-collapse-anon-vma.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Stage-2 fault counts (tracefs): a THP=always write maps a 2 MiB block (its neighbours take no fault), the huge zero page's
    // copy-on-write takes two (a permission fault, then the retry after the split's invalidation), a zapped page splits the block.
    'stage2-faults-thp-block.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Host model fixed, found by the fault counts: a VMA split inside a PMD range the VMA holds (munmap / mprotect of one page)
    // notifies that whole 2 MiB (vma_adjust_trans_huge → __split_huge_pmd, THP or not), so KVM unmaps the slot's pages there.
    'stage2-faults-vma-split.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // vmmWrite: the VMM's store copies the zero page KVM mapped and the notifier drops it (the re-read faults), EFAULT on a
    // read-only VMA; s1ptw_write: the walker writes AF back into a vmmWrite's descriptor (after a uffd zap too, as the
    // handler hands the page back), EFAULT where the host page is read-only, and a dirty bit in a logged hugetlb slot.
    // Host model fixed, found by real fuzz (vmmWrite): a user write to a read-only PTE of a writable shared PFNMAP makes that
    // PTE writable and dirty (do_wp_page → wp_pfn_shared), and mprotect(rw) makes a dirty one writable again, a clean one not.
    'pfnmap-vmm-write-upgrades-pte.json': { '6.12': { status: 'agree', last: 'agree', real: 'efault' }, '6.1': { status: 'agree', last: 'agree', real: 'efault' } },
    // Two vCPUs on QEMU's one CPU: switching flushes the TLB (kvm_arch_vcpu_load, last_vcpu_ran), so vCPU 1 does not
    // fault on the read-only entry it cached before vCPU 0's write relaxed the page (the impl, told so, takes 0 faults too).
    'stage2-faults-two-vcpus-one-cpu.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok [0,1]' }, '6.1': { status: 'agree', last: 'agree', real: 'ok [0,1]' } },
    // Profile entry change-pte-maps-cow-page (6.1; found by a 4-minute real fuzz on 6.1): 6.1 still has the change_pte notifier,
    // so a copy-on-write's new page is mapped read-only at once (kvm_set_spte_gfn, PROT_R, no memcache: only where a table is
    // left); the read after a VMM store takes no fault, the write a permission fault; the last read, alone in its table, faults on both.
    'change-pte-after-cow.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'explained by profile', last: 'agree', real: 'ok' } },
    // Profile entry mmap-merge-next-first (6.1; found by a 6.1 real fuzz, 82 steps, reduced on 6.1 to 8): 6.1's mmap_region
    // merges a new anon VMA into its next VMA first, then refuses prev (no anon_vma); MADV_COLLAPSE over the small part left is EINVAL.
    'mmap-merge-next-first.json': { '6.12': { status: 'agree', last: 'agree', real: 'errno ENOMEM' }, '6.1': { status: 'explained by profile', last: 'explained by profile', real: 'errno EINVAL' } },
    'vmm-write-cow-and-walker-af.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok [513]' }, '6.1': { status: 'agree', last: 'agree', real: 'ok [513]' } },
    // Host model fixed, found by the fault counts: mprotect invalidates each VMA whose protection changes, not the hull, so a page
    // in a VMA between two changing ones stays mapped in stage 2 (mprotect_fixup → change_protection per VMA).
    'stage2-faults-mprotect-per-vma.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Found by the first real fuzz runs with stage-2 fault counts: neither kernel sizes a PFNMAP VMA from vm_pgoff (get_vma_page_shift is
    // hugetlb-only in 6.1 and 6.12), so a 2 MiB-aligned BAR slot is mapped page by page where the mainline impl maps one block: profile no-pfnmap-vma-block.
    // Its last step: an munmap inside the PFNMAP VMA splits the PMD range it holds, whose invalidation unmaps the slot there too.
    'pfnmap-vma-no-block.json': { '6.12': { status: 'explained by profile', last: 'agree', real: 'ok' }, '6.1': { status: 'explained by profile', last: 'agree', real: 'ok' } },
    // Host model fixed (found by a 5-minute real fuzz, 57 steps reduced on 6.12 to 8): a VMA part that has an anon_vma does not merge into
    // a neighbour that has none (is_mergeable_anon_vma: the neighbour's empty anon_vma_chain is not singular), so after mprotect r then rw
    // the first 2 MiB are two VMAs again and MADV_COLLAPSE is EINVAL.
    'thp-collapse-after-merges.json': { '6.12': { status: 'agree', last: 'agree', real: 'errno EINVAL' }, '6.1': { status: 'agree', last: 'agree', real: 'errno EINVAL' } },
    // Found by real fuzz (56 steps): a range starting in a hole before a never-faulted anon VMA — EINVAL (no anon_vma), not ENOMEM.
    'thp-collapse-hole-never-faulted.json': { '6.12': { status: 'agree', last: 'agree', real: 'errno EINVAL' }, '6.1': { status: 'agree', last: 'agree', real: 'errno EINVAL' } },
    // 6.12: profile deviation pfnmap-prot-none-livelock (its expect efault fails: the trace differs); 6.1 maps it (kernel finding pfnmap-prot-none-mapped).
    'prot-none-pfnmap-block-livelock.json': { '6.12': { status: 'differ', last: 'explained by profile', real: 'livelock' }, '6.1': { status: 'differ', last: 'kernel finding', real: 'ok' } },
    // The same for a write (CAS) to a page that cannot be a block itself; 6.1 gives EFAULT as the specification says.
    'prot-none-pfnmap-cas-livelock.json': { '6.12': { status: 'explained by profile', last: 'explained by profile', real: 'livelock' }, '6.1': { status: 'agree', last: 'agree', real: 'efault' } },
    // A 4K PROT_NONE PFNMAP VMA in a 2 MiB slot: the slot could hold a block, so 6.12 livelocks; 6.1 maps it.
    'prot-none-pfnmap-slot-holds-block-livelock.json': { '6.12': { status: 'explained by profile', last: 'explained by profile', real: 'livelock' }, '6.1': { status: 'kernel finding', last: 'kernel finding', real: 'ok' } },
    // Stage-1 walks (s1ptw_read, at) through a slot page and past every slot, Device / Normal-NC stage-1 aliases: as the model says.
    'stage1-walks-and-aliases.json': { '6.12': { status: 'agree', last: 'agree', real: 'ok' }, '6.1': { status: 'agree', last: 'agree', real: 'ok' } },
    // Walks into a Device PFNMAP (HCR_EL2.PTW): READONLY slot → injected abort, read-only host page → EFAULT, writable → a vCPU that faults forever (kernel finding s1ptw-device-livelock, found by real fuzz).
    's1ptw-device-pfnmap.json': { '6.12': { status: 'kernel finding', last: 'kernel finding', real: 'livelock' }, '6.1': { status: 'kernel finding', last: 'kernel finding', real: 'livelock' } },
    // The boundary: gpa not congruent to hva modulo 2 MiB, no block possible: 6.12 maps it like 6.1.
    'prot-none-pfnmap-slot-misaligned-mapped.json': { '6.12': { status: 'kernel finding', last: 'kernel finding', real: 'ok' }, '6.1': { status: 'kernel finding', last: 'kernel finding', real: 'ok' } },
  };

  test('real/corpus: each trace has its recorded status on 6.12 and 6.1, each difference explained by a kernel finding or the kernel profile, or pinned as open (open-*.json)', async () => {
    expect(readdirSync(join(ROOT, 'real/corpus')).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(REAL_CORPUS).sort());
    const items = Object.keys(REAL_CORPUS).map((f) => ({ name: f, trace: parseTraceText(readFileSync(join(ROOT, 'real/corpus', f), 'utf8')) }));
    for (const series of ['6.12', '6.1'] as const) {
      const run = await runOnReal(items, { kernel: resolveKernel(series), cpu: 'neoverse-n1' });
      expect(run.profile).toBe(series);
      const got = run.traces.map((t): [string, Pinned] => [t.name, { status: t.status, last: t.steps.at(-1)?.status ?? 'none', real: t.steps.at(-1)?.real ?? 'none' }]);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(Object.entries(REAL_CORPUS).map(([f, k]) => [f, k[series]])));
    }
  });

  test('real/corpus: each MADV_COLLAPSE trace agrees under the other THP policy too (its expects dropped: they were recorded under its own)', async () => {
    const flipped = Object.keys(REAL_CORPUS).filter((f) => f.startsWith('thp-collapse-')).map((f) => {
      const t = parseTraceText(readFileSync(join(ROOT, 'real/corpus', f), 'utf8'));
      const { thp, ...rest } = t.config;
      const config = thp === 'always' ? rest : { ...rest, thp: 'always' as const };
      return { name: f, trace: { ...t, config, steps: t.steps.map(({ expect: _e, ...s }) => s) } };
    });
    expect(flipped.length).toBe(10);
    for (const series of ['6.12', '6.1'] as const) {
      const run = await runOnReal(flipped, { kernel: resolveKernel(series), cpu: 'neoverse-n1' });
      const got = run.traces.map((t) => [t.name, t.status]);
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(flipped.map(({ name }) => [name, REAL_CORPUS[name][series].status])));
    }
  });

  test('the stage-2 fault comparison can fail: an impl that maps only pages takes a fault where the kernel\'s 2 MiB block takes none', async () => {
    const t = parseTraceText(readFileSync(join(ROOT, 'real/corpus/stage2-faults-thp-block.json'), 'utf8'));
    const run = await runOnReal([{ name: 'thp block', trace: t }], { kernel: resolveKernel('6.12'), cpu: 'neoverse-n1', implVariant: 'pages-only' });
    expect(run.traces[0].status).toBe('differ');
    expect(run.traces[0].steps[3]).toMatchObject({ status: 'differ', note: 'stage-2 faults: impl 1, real kernel 0', faults: { impl: 1, real: 0 } });
  });

  test('an exported reproducer passes where the kernel does what the specification says and fails where it does not', async () => {
    const load = (f: string) => parseTraceText(readFileSync(join(ROOT, f), 'utf8'));
    const ok = await runReproducer(exportReproducer('mprotect', load('real/corpus/pfnmap-mprotect-upgrade-stays-readonly.json')), resolveKernel('6.12'), 'max');
    expect(ok.code).toBe(0);
    expect(ok.lines).toContain('PASS: 7 step(s) compared, 0 differ from the specification');
    const bad = await runReproducer(exportReproducer('prot-none', load('reports/corpus/kernel-pfnmap-prot-none-mapped.json')), resolveKernel('6.1'), 'max');
    expect(bad.code).toBe(1);
    expect(bad.lines).toContainEqual(expect.stringMatching(/^steps\[3\] access .*: the specification says efault, this kernel did ok$/));
  });

  test('the command: exit 1 on a failed expect, 2 when nothing is executable', async () => {
    const io = captureIo();
    const dir = join(ROOT, 'properties/fixtures');
    expect(await realMain(['run', '--kernel', '6.12', '--cpu', 'neoverse-n1', join(dir, 'BBM.json')], io)).toBe(EXIT.clean);
    expect(io.stdout.at(-1)).toBe('1 agree, 0 known kernel finding(s), 0 explained by the kernel\'s profile, 0 differ, 0 not executable, 0 error(s)');
    const file = join(tmpdir(), `s2-wrong-expect-${process.pid}.json`);
    writeFileSync(file, serialize(wrongExpect()));
    const wrong = captureIo();
    expect(await realMain(['run', '--cpu', 'neoverse-n1', file], wrong)).toBe(EXIT.found);
    expect(wrong.stdout).toContain('  steps[2] access: expect.outcome: expected "mmio", real kernel "ok"');
    rmSync(file);
    const bad = captureIo();
    expect(await realMain(['run', '--cpu', 'neoverse-n1', join(dir, 'NO_STALE_PFN.json')], bad)).toBe(EXIT.usage);
    expect(bad.stderr).toEqual([expect.stringMatching(/^error: FILES: no given trace is executable on the real kernel .*faultBegin/)]);
  });

  test('real fuzz: a short seeded run writes its summary, compares steps, and finds nothing new', async () => {
    const out = mkdtempSync(join(tmpdir(), 's2-real-fuzz-'));
    const s = await realFuzz({ kernel: resolveKernel('6.12'), cpu: 'neoverse-n1', seed: 3, timeMs: 12_000, out, batch: 40 });
    const onDisk = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { steps: number; stop: string; differences: { known: string; file: string }[] };
    expect(onDisk).toMatchObject({ steps: s.steps, stop: 'time' });
    expect(s.steps).toBeGreaterThan(500);
    expect(Object.keys(s.compared).length).toBeGreaterThan(10);
    expect(s.differences.filter((d) => d.known === 'new')).toEqual([]);
    for (const d of onDisk.differences) expect(readFileSync(join(out, d.file), 'utf8')).toMatch(/^\{/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^# s2check real-kernel fuzz/);
    rmSync(out, { recursive: true });
  });

  test('a boot that prints nothing is killed by the watchdog: one line, exit 2', async () => {
    // An arm64 Image header whose first instruction branches to itself: QEMU boots it and the console stays silent.
    const image = Buffer.alloc(1 << 20);
    image.writeUInt32LE(0x14000000, 0); // b .
    image.writeBigUInt64LE(BigInt(image.length), 16); // image_size
    image.writeBigUInt64LE(0xan, 24); // flags: little-endian, 4K pages
    image.write('ARM\x64', 56, 'latin1');
    const file = join(tmpdir(), `s2-silent-${process.pid}.img`);
    writeFileSync(file, image);
    const io = captureIo();
    const started = Date.now();
    expect(await realMain(['run', '--kernel', file, '--cpu', 'neoverse-n1', '--watchdog', '2s', join(ROOT, 'properties/fixtures/BBM.json')], io)).toBe(EXIT.usage);
    rmSync(file);
    expect(io.stderr).toEqual([`error: kernel: QEMU printed nothing for 2 s: killed by the watchdog (booting ${file})`]);
    expect(io.stdout).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    // real fuzz: the same line and exit code, and nothing half-written in its report directory.
    const out = mkdtempSync(join(tmpdir(), 's2-silent-fuzz-'));
    writeFileSync(file, image);
    const fz = captureIo();
    expect(await realMain(['fuzz', '--kernel', file, '--cpu', 'neoverse-n1', '--watchdog', '2s', '--time', '10s', '--out', out], fz)).toBe(EXIT.usage);
    rmSync(file);
    expect(fz.stderr).toEqual([`error: kernel: QEMU printed nothing for 2 s: killed by the watchdog (booting ${file})`]);
    expect(readdirSync(out)).toEqual([]);
    rmSync(out, { recursive: true });
  });
});
