/**
 * permittedRun against the spec it derives from: every page of a run gets what permitted(gfn + k)
 * says (pfn + k), and runs stop exactly where an input of permitted changes — including the cases
 * the generated traces never build (RAM boundary inside a pfnmap, ioremaps in a slot, 1G VMAs
 * under a smaller slot).
 */
import type { VmaSpec } from '../host/types';
import type { KvmModel } from '../index';
import { GFN, GPA, HVA, PAGE, world, type World } from '../testkit/world';
import type { MemslotFlag } from '../types';
import type { PermittedMapping } from './permitted';

const M2 = 0x20_0000;
const G1 = 0x4000_0000;
const NP2 = M2 / PAGE;
const RAM_BASE = 0x8000_0000;

const text = (p: PermittedMapping | null): string => JSON.stringify(p);
const shifted = (p: PermittedMapping | null, k: number): PermittedMapping | null => p && { ...p, pfn: p.pfn + k };

/** The first page of the run from g where it claims what permitted does not say, or null. */
function runMismatch(kvm: KvmModel, g: number, maxPages: number): string | null {
  const run = kvm.permittedRun(g, maxPages);
  if (run.pages < 1 || run.pages > maxPages || (run.mapping === null && run.pages !== 1)) return `gfn ${g}: ${run.pages} pages`;
  for (let k = 0; k < run.pages; k++) {
    if (text(kvm.permitted(g + k)) !== text(shifted(run.mapping, k))) return `run from gfn ${g}: differs at gfn ${g + k}`;
  }
  return null;
}

/** Walk [lo, hi) run after run, at most `cap` pages each; the mismatches found. */
function walk(kvm: KvmModel, lo: number, hi: number, cap: number): string[] {
  const bad: string[] = [];
  for (let g = lo; g < hi; g += kvm.permittedRun(g, Math.min(cap, hi - g)).pages) bad.push(runMismatch(kvm, g, Math.min(cap, hi - g)) ?? '');
  return bad.filter((b) => b !== '');
}

/** Runs over [lo, hi) claim only what permitted says: walked run after run, in runs of ≤ 3 pages near both ends, and from every `stride`-th page. */
function expectRunsExact(kvm: KvmModel, lo: number, hi: number, stride = 1): void {
  const bad = [...walk(kvm, lo, hi, hi - lo), ...walk(kvm, lo, Math.min(hi, lo + 4 * NP2), 3), ...walk(kvm, Math.max(lo, hi - 4 * NP2), hi, 3)];
  for (let g = lo; g < hi; g += stride) bad.push(runMismatch(kvm, g, Math.min(hi - g, 2 * NP2)) ?? '');
  expect(bad.filter((b) => b !== '')).toEqual([]);
}

/** The lengths of the runs that cover [lo, hi), walked from lo. */
function runLengths(kvm: KvmModel, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let g = lo; g < hi;) {
    const n = kvm.permittedRun(g, hi - g).pages;
    out.push(n);
    g += n;
  }
  return out;
}

function mmapOk(w: World, spec: VmaSpec): void {
  const r = w.host.mmap(spec);
  if (!r.ok) throw new Error(`mmap: ${r.errno}`);
}

function slot(w: World, gpa: number, hva: number, size: number, flags: MemslotFlag[] = [], id = 0): void {
  const r = w.kvm.setMemslot({ slot: id, gpa, size, hva, flags });
  if (r.kind !== 'ok') throw new Error(`setMemslot: ${JSON.stringify(r)}`);
}

describe('permittedRun: runs stop where an input of permitted changes', () => {
  test('a pfnmap VMA across the RAM base: Device below, Normal from RAM_BASE on', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: 2 * M2, prot: 'rw', kind: 'pfnmap', pa: RAM_BASE - 5 * PAGE, pgprot: 'device' });
    slot(w, GPA, HVA, 2 * M2);
    expect(w.kvm.permitted(GFN)?.memtype).toBe('device');
    expect(w.kvm.permitted(GFN + 5)?.memtype).toBe('normal');
    expect(runLengths(w.kvm, GFN, GFN + 2 * NP2)[0]).toBe(5);
    expectRunsExact(w.kvm, GFN, GFN + 2 * NP2);
  });

  test('ioremap pages inside a memslot end the run before them', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: M2, prot: 'rw', kind: 'hugetlb', hugeSize: M2 });
    slot(w, GPA, HVA, M2);
    w.host.touch(HVA, true);
    expect(w.kvm.ioremap(GPA + 9 * PAGE, 0x0900_0000, 2 * PAGE, true).kind).toBe('ok');
    expect(runLengths(w.kvm, GFN, GFN + NP2).slice(0, 4)).toEqual([9, 1, 1, NP2 - 11]);
    expectRunsExact(w.kvm, GFN, GFN + NP2);
  });

  test('a 1G hugetlb page under a slot that covers it only partly: runs end at 2M blocks (their rule differs)', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: G1, prot: 'rw', kind: 'hugetlb', hugeSize: G1 });
    const off = M2 - 3 * PAGE; // head and tail blocks cut: they allow pages only, the middle ones 2M
    slot(w, GPA + off, HVA + off, G1 - 2 * off);
    w.host.touch(HVA, true);
    const first = GFN + off / PAGE;
    expect(w.kvm.permitted(first)?.maxLeafSize).toBe(PAGE);
    expect(w.kvm.permitted(first + 3)?.maxLeafSize).toBe(M2);
    expect(runLengths(w.kvm, first, first + 3 + 2 * NP2)).toEqual([3, NP2, NP2]);
    expectRunsExact(w.kvm, first, first + (G1 - 2 * off) / PAGE, 4099);
  });

  test('a 1G-capable pfnmap under a 1G slot, its VMA ending inside the last 2M block', () => {
    const w = world({ fwb: true, dic: true });
    const cut = G1 - M2 + 4 * PAGE;
    mmapOk(w, { hva: HVA, size: cut, prot: 'rw', kind: 'pfnmap', pa: 0x1_0000_0000, pgprot: 'device' });
    mmapOk(w, { hva: HVA + cut, size: G1 - cut, prot: 'rw', kind: 'pfnmap', pa: 0x1_0000_0000 + cut, pgprot: 'device' });
    slot(w, GPA, HVA, G1);
    expect(w.kvm.permitted(GFN)?.maxLeafSize).toBe(M2);
    expect(w.kvm.permitted(GFN + (G1 - M2) / PAGE)?.maxLeafSize).toBe(PAGE);
    const runs = runLengths(w.kvm, GFN, GFN + G1 / PAGE);
    expect([runs[0], ...runs.slice(-3)]).toEqual([NP2, NP2, 4, NP2 - 4]);
    expectRunsExact(w.kvm, GFN, GFN + G1 / PAGE, 4099);
  });

  test('a 1G pfnmap under a 1G slot is one run', () => {
    const w = world({ fwb: true, dic: true });
    mmapOk(w, { hva: HVA, size: G1, prot: 'r', kind: 'pfnmap', pa: 0x1_0000_0000, pgprot: 'device' });
    slot(w, GPA, HVA, G1);
    expect(w.kvm.permitted(GFN)?.maxLeafSize).toBe(G1);
    expect(runLengths(w.kvm, GFN, GFN + G1 / PAGE)).toEqual([G1 / PAGE]);
  });

  test('dirty logging: a writable page follows its dirty bit, run by run', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: M2, prot: 'rw', kind: 'hugetlb', hugeSize: M2 });
    slot(w, GPA, HVA, M2, ['LOG_DIRTY']);
    for (const p of [4, 5, 6, 30]) expect(w.kvm.access(0, GPA + p * PAGE, 'write').kind).toBe('ok');
    expect(runLengths(w.kvm, GFN, GFN + 40)).toEqual([4, 3, 23, 1, 9]);
    expectRunsExact(w.kvm, GFN, GFN + NP2);
    w.kvm.getDirtyLog(0);
    expect(runLengths(w.kvm, GFN, GFN + NP2)).toEqual([NP2]);
  });

  test('an open invalidation: pages inside are refused, the run before stops at its start', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: M2, prot: 'rw', kind: 'hugetlb', hugeSize: M2 });
    slot(w, GPA, HVA, M2);
    w.host.touch(HVA, true);
    w.host.invalidateBegin(HVA + 7 * PAGE, 3 * PAGE);
    expect(runLengths(w.kvm, GFN, GFN + NP2).slice(0, 5)).toEqual([7, 1, 1, 1, NP2 - 10]);
    expectRunsExact(w.kvm, GFN, GFN + NP2);
  });

  test('anon pages, a THP and a second slot: runs end at host units and slot ends', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: 4 * M2, prot: 'rw', kind: 'anon' });
    slot(w, GPA, HVA, 2 * M2 - 2 * PAGE);
    slot(w, GPA + 2 * M2 - 2 * PAGE, HVA + 2 * M2, 2 * M2, [], 1);
    for (let p = 0; p < 8; p++) w.host.touch(HVA + p * PAGE, p % 3 === 0);
    w.host.touch(HVA + M2, true);
    expect(w.host.thpCollapse(HVA + M2).ok).toBe(true);
    w.host.touch(HVA + 2 * M2, true);
    expect(runLengths(w.kvm, GFN + NP2, GFN + 2 * NP2 - 2)).toEqual([NP2 - 2]);
    expectRunsExact(w.kvm, GFN, GFN + 4 * NP2);
  });

  test('maxPages bounds the run and must be at least 1', () => {
    const w = world();
    mmapOk(w, { hva: HVA, size: M2, prot: 'rw', kind: 'hugetlb', hugeSize: M2 });
    slot(w, GPA, HVA, M2);
    w.host.touch(HVA, true);
    expect(w.kvm.permittedRun(GFN, 5).pages).toBe(5);
    expect(w.kvm.permittedRun(GFN, 1)).toEqual({ mapping: w.kvm.permitted(GFN), pages: 1 });
    expect(() => w.kvm.permittedRun(GFN, 0)).toThrow('maxPages');
    expect(() => w.kvm.permittedRun(-1, 5)).toThrow('gfn');
  });
});
