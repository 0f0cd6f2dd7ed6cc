/**
 * The property behind impl/props/pgtable.props.test.ts: random map / unmap / wrprotect /
 * relaxPerms / setOwner sequences over a small IPA window, checked op by op against the per-page
 * reference (reference.ts) and the structural checks, BBM included (kvm-s2-facts §21).
 */
import fc from 'fast-check';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_W, PROT_X, type Prot } from '../descriptor/prot';
import { EAGAIN } from '../errno';
import { RecordingEffects } from '../effects';
import { blockLevels } from '../geometry';
import { stage2RelaxPerms, stage2Wrprotect } from '../ops/attrs';
import { stage2Map } from '../ops/map';
import { stage2SetOwner } from '../ops/owner';
import { stage2Unmap } from '../ops/unmap';
import { Stage2Pgtable } from '../pgtable';
import { checkStructure } from '../check/structure';
import { firstDiff, implPages } from './decode';
import { RefStage2 } from './reference';
import type { Granule, MemType, Perms } from '../../model/types';

const RAM = 0x80000000;

/** A granule / IPA size / window to test, with its largest block size in the window. */
export interface Setup { granule: Granule; iaBits: number; window: number; block: number; numRuns: number }
/** The setups the test runs; numRuns sized so the file stays well under a minute. */
export const SETUPS: Setup[] = [
  { granule: 4096, iaBits: 40, window: 8 * 2 ** 20, block: 2 ** 21, numRuns: 100 },
  { granule: 4096, iaBits: 48, window: 8 * 2 ** 20, block: 2 ** 21, numRuns: 50 },
  { granule: 16384, iaBits: 36, window: 128 * 2 ** 20, block: 2 ** 25, numRuns: 40 },
  { granule: 65536, iaBits: 36, window: 2 ** 30, block: 2 ** 29, numRuns: 20 },
];

/** Position knobs, resolved against the window once the setup is known (shrink-friendly). */
const posArb = fc.record({ mode: fc.constantFrom('block', 'page', 'byte'), idx: fc.nat(), off: fc.nat() });
const sizeArb = fc.record({ mode: fc.constantFrom('blocks', 'pages', 'bytes'), n: fc.integer({ min: 1, max: 3 }), pages: fc.integer({ min: 1, max: 40 }), bytes: fc.integer({ min: 1, max: 3 * 65536 }) });
const physArb = fc.record({ mode: fc.constantFrom('congruent', 'block', 'page'), idx: fc.nat({ max: 7 }), off: fc.nat() });
const permsArb = fc.record({ r: fc.boolean(), w: fc.boolean(), x: fc.boolean() });
const memArb = fc.constantFrom<MemType>('normal', 'normal', 'device', 'nc');
const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('map' as const), at: posArb, size: sizeArb, phys: physArb, perms: permsArb, mem: memArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmap' as const), at: posArb, size: sizeArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrprotect' as const), at: posArb, size: sizeArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relax' as const), at: posArb, perms: permsArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setOwner' as const), at: posArb, size: sizeArb, owner: fc.integer({ min: 0, max: 1 }) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;
type Pos = typeof posArb extends fc.Arbitrary<infer T> ? T : never;
type Size = typeof sizeArb extends fc.Arbitrary<infer T> ? T : never;
type Phys = typeof physArb extends fc.Arbitrary<infer T> ? T : never;

/** Concrete addresses of one run: window [base, base + window). */
class Resolver {
  constructor(readonly s: Setup, readonly base: number) {}
  addr(p: Pos): number {
    const { window, block, granule } = this.s;
    if (p.mode === 'block') return this.base + (p.idx % (window / block)) * block;
    const page = this.base + (p.idx % (window / granule)) * granule;
    return p.mode === 'byte' ? page + (p.off % granule) : page;
  }
  size(addr: number, z: Size): number {
    const raw = z.mode === 'blocks' ? z.n * this.s.block : z.mode === 'pages' ? z.pages * this.s.granule : z.bytes;
    return Math.max(1, Math.min(raw, this.base + this.s.window - addr));
  }
  phys(addr: number, q: Phys): number {
    const { block, granule } = this.s;
    if (q.mode === 'congruent') return RAM + q.idx * block + (addr - this.base);
    if (q.mode === 'block') return RAM + q.idx * block;
    return RAM + (q.off % ((8 * block) / granule)) * granule + (q.off % 3 === 0 ? q.off % granule : 0);
  }
}

const toProt = (p: Perms, mem: MemType): Prot =>
  (p.r ? PROT_R : 0) + (p.w ? PROT_W : 0) + (p.x ? PROT_X : 0) + (mem === 'device' ? PROT_DEVICE : mem === 'nc' ? PROT_NORMAL_NC : 0);

/** Apply one op to both sides; returns a failure message or null. */
function step(pgt: Stage2Pgtable, ref: RefStage2, r: Resolver, o: Op): string | null {
  const addr = r.addr(o.at);
  if (o.op === 'map') {
    const perms = { ...o.perms, x: o.perms.x && o.mem === 'normal' }; // X with Device/NC is -EINVAL (facts §3.1)
    const size = r.size(addr, o.size);
    const phys = r.phys(addr, o.phys);
    ref.map(addr, size, phys, perms, o.mem);
    const ret = stage2Map(pgt, addr, size, phys, toProt(perms, o.mem));
    return ret === 0 ? null : `map returned ${ret}`;
  }
  if (o.op === 'relax') {
    // The fault path never asks for X on Device/NC memory (user_mem_abort); drop it like the caller does.
    const leaf = ref.leafAt(addr);
    const perms = { ...o.perms, x: o.perms.x && leaf?.memtype === 'normal' };
    const want = ref.relax(addr, perms) ? 0 : EAGAIN;
    const ret = stage2RelaxPerms(pgt, addr, toProt(perms, 'normal'));
    return ret === want ? null : `relax returned ${ret}, expected ${want}`;
  }
  const size = r.size(addr, o.size);
  let ret: number;
  if (o.op === 'unmap') { ref.unmap(addr, size); ret = stage2Unmap(pgt, addr, size); }
  else if (o.op === 'wrprotect') { ref.wrprotect(addr, size); ret = stage2Wrprotect(pgt, addr, size); }
  else { ref.setOwner(addr, size, o.owner); ret = stage2SetOwner(pgt, addr, size, o.owner); }
  return ret === 0 ? null : `${o.op} returned ${ret}`;
}

/** Compare tables with the reference and run the structural checks on the op's events. */
function verify(pgt: Stage2Pgtable, ref: RefStage2, rec: RecordingEffects, noEmptyTables = false): string | null {
  const diff = firstDiff(ref.pages, implPages(pgt), pgt.geom.granule);
  if (diff !== null) return diff;
  const ps = checkStructure(pgt, { events: rec.events, noEmptyTables });
  rec.clear();
  return ps.length === 0 ? null : ps.slice(0, 5).map((p) => `${p.code}: ${p.message}`).join('\n');
}

/** The property for one setup: one random window base and op sequence per run. */
export function setupProperty(s: Setup): fc.IProperty<[number, Op[]]> {
  const maxBase = Math.floor((2 ** s.iaBits - s.window) / s.block);
  return fc.property(fc.integer({ min: 0, max: maxBase }), fc.array(opArb, { minLength: 1, maxLength: 25 }), (b, ops) => {
    const rec = new RecordingEffects();
    const pgt = new Stage2Pgtable({ granule: s.granule, iaBits: s.iaBits, fwb: b % 2 === 1, effects: rec });
    const ref = new RefStage2(s.granule, blockLevels(pgt.geom).map((l) => pgt.geom.granules[l]));
    const r = new Resolver(s, b * s.block);
    ops.forEach((o, i) => {
      const err = step(pgt, ref, r, o) ?? verify(pgt, ref, rec);
      if (err !== null) throw new Error(`op ${i} ${JSON.stringify(o)}: ${err}`);
    });
    const ret = stage2Unmap(pgt, 0, pgt.geom.ipaLimit);
    ref.unmap(0, pgt.geom.ipaLimit);
    const err = ret !== 0 ? `full unmap returned ${ret}` : verify(pgt, ref, rec, true);
    if (err !== null) throw new Error(`after the full-range unmap: ${err}`);
    if (pgt.pool.pagesInUse !== pgt.geom.rootPages) throw new Error(`full unmap left ${pgt.pool.pagesInUse} pages, root is ${pgt.geom.rootPages}`);
  });
}
