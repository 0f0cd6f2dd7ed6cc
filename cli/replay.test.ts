/** replay: a finding prints its violated invariant and maplet diff and exits 1; a clean trace exits 0; what-if overrides apply. */
import * as fs from 'fs';
import * as path from 'path';
import { replayMain } from './replay';
import { runMain, testdata, tmpDir } from './testkit';

test('a finding: prints every step, the violated invariant, the maplet diff; exit 1', async () => {
  // zero-page-device-rw: the read of an untouched anon page maps the shared zero page as a RW Device page.
  const r = await runMain(replayMain, [testdata('zero-page.finding.json')]);
  expect(r.code).toBe(1);
  const text = r.stdout.join('\n');
  expect(text).toMatch(/#3\s+access vcpu=0 ipa=0x40002000 kind=read/);
  expect(text).toMatch(/VIOLATION [A-Z0-9_]+ at step 3 \(access/);
  expect(text).toMatch(/maplet diff of step 3[\s\S]*\+ 0x40002000 .* device/);
  expect(text).toMatch(/FAIL: [A-Z0-9_]+ at step 3/);
});

test('a clean trace with expects: every step printed, PASS, exit 0', async () => {
  const r = await runMain(replayMain, [testdata('clean.trace.json')]);
  expect(r.code).toBe(0);
  expect(r.stdout.filter((l) => /^\s+#\d/.test(l))).toHaveLength(4);
  expect(r.stdout[r.stdout.length - 1]).toMatch(/^PASS: 4 steps/);
});

test('--step prints the memslots and stage 2 after each step; --quiet only the verdict', async () => {
  const step = await runMain(replayMain, [testdata('clean.trace.json'), '--step']);
  expect(step.stdout.join('\n')).toMatch(/slots: 0@0x40000000\+0x200000/);
  expect(step.stdout.join('\n')).toMatch(/0x40001000\s+0x1000\s+-> 0x[0-9a-f]+\s+rw/);
  const quiet = await runMain(replayMain, [testdata('clean.trace.json'), '--quiet']);
  expect(quiet.stdout).toEqual([expect.stringMatching(/^PASS/)]);
});

test('a failed expect exits 1 and names the key', async () => {
  const dir = tmpDir('s2check-replay-');
  const f = path.join(dir, 'bad-expect.json');
  fs.writeFileSync(f, fs.readFileSync(testdata('clean.trace.json'), 'utf8').replace('"outcome": "ok", "mapped": true, "writable": true', '"outcome": "mmio", "mapped": true, "writable": true'));
  const r = await runMain(replayMain, [f, '--quiet']);
  expect(r.code).toBe(1);
  expect(r.stdout.join('\n')).toMatch(/EXPECT FAILED at step 2: expect\.outcome/);
});

test('what-if: --bugs turns a clean trace into a finding; --config merges over the trace config', async () => {
  // The read of an untouched anon page maps the shared zero page: with the 2014 behaviour it is a RW Device page.
  const r = await runMain(replayMain, [testdata('clean.trace.json'), '--bugs', 'zero-page-device-rw', '--quiet']);
  expect(r.code).toBe(1);
  expect(r.stdout.join('\n')).toMatch(/VIOLATION \w+ at step 3 \(access vcpu=0 ipa=0x40002000 kind=read\)/);
  expect(r.stdout.join('\n')).toMatch(/\+ 0x40002000 .* device/);
  const dir = tmpDir('s2check-whatif-');
  const cfg = path.join(dir, 'p2021.json');
  fs.writeFileSync(cfg, JSON.stringify({ cmoPolicy: 'proposal2021' }));
  const p = await runMain(replayMain, [testdata('clean.trace.json'), '--config', cfg, '--quiet']);
  expect(p.code).toBe(0);
});

test('every check that fails at the failing step is listed after the first (the most specific, which names the finding)', async () => {
  const r = await runMain(replayMain, ['--quiet', path.join(__dirname, '..', 'reports', 'corpus', 'ro-device-writable.json')]);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('\nVIOLATION RO_SLOT_NEVER_WRITABLE at step 4 (faultCommit vcpu=0)');
  expect(r.stdout).toContainEqual(expect.stringMatching(/^also at step 4: MAPPING_PERMITTED: .*permissions exceed what the model permits/));
});

test('--step shows what a stale-pfn finding needs: the open invalidation, the fault in flight with its sampled seq and pfn, the ESR, the host PTE', async () => {
  const r = await runMain(replayMain, ['--step', path.join(__dirname, '..', 'reports', 'corpus', 'no-mmu-seq-retry.json')]);
  const out = r.stdout.join('\n');
  expect(out).toContain('notifier: mmu_invalidate_seq 0, in progress 1, gfns [0x40000, 0x40200)');
  expect(out).toContain('vcpu 0 fault in flight at 0x40000008: sampled seq 0, resolved pfn 0x80001 writable');
  expect(out).toContain('ESR of a read fault: data abort, ISV 1 (len 8), WnR 0, S1PTW 0, CM 0');
  expect(out).toContain('host: hva 0x7f0000000008 -> pfn 0x80001 rw (host leaf 0x1000)');
});

test('--step lists each step\'s TLB and cache maintenance: split-without-bbm\'s failing step stores descriptors with no TLBI', async () => {
  const r = await runMain(replayMain, ['--step', path.join(__dirname, '..', 'reports', 'corpus', 'split-without-bbm.json')]);
  const effects = r.stdout.filter((l) => l.trim().startsWith('effects:'));
  expect(effects).toContainEqual(expect.stringMatching(/TLBI range 0x100000000\+0x400000/));
  expect(effects.at(-1)).toMatch(/^\s+effects: 3 descriptor store\(s\), 1 table\(s\) allocated, 0 freed; DC CIVAC pa 0x80201000\+0x1000$/);
});
