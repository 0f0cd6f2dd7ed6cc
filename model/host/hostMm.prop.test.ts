/** Properties over random host-op sequences: determinism, no PTE change without a covering invalidation, pfn sanity. */
import fc from 'fast-check';
import { HostMm } from './hostMm';
import type { HostPteInfo, VmaSpec } from './types';
import type { VmaKind, VmaProt } from '../types';
import { A, P, PMD, Recorder } from './testUtil';

type Op =
  | { op: 'mmap'; spec: VmaSpec }
  | { op: 'munmap' | 'madvise' | 'invBegin' | 'age'; hva: number; size: number }
  | { op: 'mprotect'; hva: number; size: number; prot: VmaProt }
  | { op: 'migrate' | 'collapse' | 'split'; hva: number }
  | { op: 'invEnd'; n: number }
  | { op: 'touch'; hva: number; write: boolean; writableOk: boolean };

const U = 4 * PMD; // the universe: [A, A + 4 PMD)
// hvas cluster on the first pages of each PMD so that steps meet each other
const addr = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.nat(3), fc.nat(15)).map(([m, i]) => A + m * PMD + i * P) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: U / P - 1 }).map((i) => A + i * P) },
);
const size = fc.oneof(fc.integer({ min: 1, max: 64 }).map((n) => n * P), fc.integer({ min: 1, max: 2 }).map((n) => n * PMD));
const prot = fc.constantFrom<VmaProt>('none', 'r', 'rw');
const kind = fc.constantFrom<VmaKind>('anon', 'anon', 'file', 'hugetlb', 'pfnmap');
const spec: fc.Arbitrary<VmaSpec> = fc.record({ hva: addr, size, prot, kind, uffd: fc.boolean() }).map((s) => {
  if (s.kind === 'pfnmap') return { ...s, uffd: undefined, pa: 0x4000_0000 };
  return s;
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  spec.map((s) => ({ op: 'mmap' as const, spec: s })),
  fc.record({ op: fc.constantFrom('munmap' as const, 'madvise' as const, 'invBegin' as const, 'age' as const), hva: addr, size }),
  fc.record({ op: fc.constant('mprotect' as const), hva: addr, size, prot }),
  fc.record({ op: fc.constantFrom('migrate' as const, 'collapse' as const, 'split' as const), hva: addr }),
  fc.record({ op: fc.constant('invEnd' as const), n: fc.nat(5) }),
  fc.record({ op: fc.constant('touch' as const), hva: addr, write: fc.boolean(), writableOk: fc.boolean() }),
  fc.record({ op: fc.constant('touch' as const), hva: addr, write: fc.boolean(), writableOk: fc.boolean() }),
);

/** Run one op; returns a printable result. */
function run(mm: HostMm, o: Op): string {
  switch (o.op) {
    case 'mmap': return JSON.stringify(mm.mmap(o.spec));
    case 'munmap': return JSON.stringify(mm.munmap(o.hva, o.size));
    case 'madvise': return JSON.stringify(mm.madviseDontneed(o.hva, o.size));
    case 'invBegin': return String(mm.invalidateBegin(o.hva, o.size));
    case 'age': return String(mm.age(o.hva, o.size));
    case 'mprotect': return JSON.stringify(mm.mprotect(o.hva, o.size, o.prot));
    case 'migrate': return JSON.stringify(mm.migrate(o.hva));
    case 'collapse': return JSON.stringify(mm.thpCollapse(o.hva));
    case 'split': return JSON.stringify(mm.thpSplit(o.hva));
    case 'invEnd': {
      const open = mm.openInvalidations();
      if (open.length === 0) return 'none';
      mm.invalidateEnd(open[o.n % open.length].id);
      return 'ended';
    }
    case 'touch': return JSON.stringify(mm.hvaToPfn(o.hva, { write: o.write, writableOk: o.writableOk }));
  }
}

const probes = Array.from({ length: U / P }, (_, i) => A + i * P).filter((h) => (h - A) % PMD < 16 * P || (h - A) % (16 * P) === 0);

/** A change a secondary MMU must hear about: pfn changed or vanished, or the write bit was dropped. */
function needsNotify(before: HostPteInfo | undefined, after: HostPteInfo | undefined): boolean {
  if (before === undefined) return false;
  return after === undefined || after.pfn !== before.pfn || (before.writable && !after.writable);
}

function covered(events: string[], hva: number): boolean {
  return events.some((e) => {
    const m = /^start ([0-9a-f]+)-([0-9a-f]+)$/.exec(e);
    return m !== null && parseInt(m[1], 16) <= hva && hva < parseInt(m[2], 16);
  });
}

describe('host-mm properties', () => {
  it('deterministic, every PTE change notified, pfns sane', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 40, size: 'max' }), (rest) => {
        const ops: Op[] = [{ op: 'mmap', spec: { hva: A, size: U, prot: 'rw', kind: 'anon' } }, ...rest];
        const [m1, m2] = [new HostMm(), new HostMm()];
        const [r1, r2] = [new Recorder(), new Recorder()];
        m1.subscribe(r1);
        m2.subscribe(r2);
        for (const o of ops) {
          const before = probes.map((h) => m1.pte(h));
          expect(run(m2, o)).toBe(run(m1, o));
          const ev = r1.take();
          expect(r2.take()).toEqual(ev);
          const bad: string[] = [];
          probes.forEach((h, i) => {
            const after = m1.pte(h);
            const at = `${JSON.stringify(o)} @${h.toString(16)}`;
            if (JSON.stringify(after) !== JSON.stringify(m2.pte(h))) bad.push(`nondeterministic ${at}`);
            if (needsNotify(before[i], after) && !covered(ev, h)) bad.push(`silent change ${at}`);
            if (after === undefined) return;
            if (after.pfn === m1.zeroPfn && after.writable) bad.push(`writable zero page ${at}`);
            const v = m1.findVma(h);
            if (v?.kind !== 'pfnmap' && !m1.isRamPfn(after.pfn)) bad.push(`non-RAM pfn ${at}`);
            if (after.writable && v?.prot !== 'rw') bad.push(`writable PTE in a ${String(v?.prot)} VMA ${at}`);
            if (after.size > P && (after.pfn * P - (h % after.size)) % after.size !== 0) bad.push(`misaligned ${at}`);
          });
          expect(bad).toEqual([]);
        }
        expect(m1.uffdFaults).toBe(m2.uffdFaults);
      }),
      { seed: 20240611, numRuns: 150 },
    );
  });
});
