/** The codec's allocation-free isCanonicalAtRest agrees with the decode-based encoding reasons. */
import * as fc from 'fast-check';
import * as C from './codec';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_W, PROT_X } from './prot';
import { encodingReasons } from '../check/encoding';

const CTXS: C.CodecCtx[] = [12, 14, 16].flatMap((pageShift) => [false, true].map((fwb) => ({ pageShift, fwb, lastLevel: 3 })));
const PA = 0x8_4020_0000;

/** Words KVM stores: leaves for every prot it can encode, tables, owner annotations, zero. */
function kvmWords(cc: C.CodecCtx): [number, number, number][] {
  const out: [number, number, number][] = [[0, 0, 3], [C.ownerLo(1), 0, 2], [C.tableLo(PA, cc.pageShift), C.tableHi(PA), 1]];
  for (const mt of [0, PROT_DEVICE, PROT_NORMAL_NC]) {
    for (let perm = 0; perm < 8; perm++) {
      const prot = mt | (perm & 1 ? PROT_R : 0) | (perm & 2 ? PROT_W : 0) | (perm & 4 ? PROT_X : 0);
      const lo = C.leafAttrLo(prot, cc.fwb);
      if (lo === 'EINVAL') continue;
      for (const level of [2, 3]) out.push([C.leafLo(PA, cc.pageShift, lo, level === 3), C.leafHi(PA, C.leafAttrHi(prot)), level]);
    }
  }
  return out;
}

describe('isCanonicalAtRest', () => {
  it('accepts every encoding KVM stores (so the fast path is the common path)', () => {
    for (const cc of CTXS) for (const [lo, hi, level] of kvmWords(cc)) expect([cc, level, C.toHex(lo, hi), C.isCanonicalAtRest(lo, hi, level, cc, 1)]).toEqual([cc, level, C.toHex(lo, hi), true]);
  });

  it('never accepts an entry the decode-based check explains (random bit flips of KVM encodings)', () => {
    fc.assert(fc.property(fc.nat({ max: CTXS.length - 1 }), fc.nat(), fc.nat(), fc.nat({ max: 63 }), fc.nat({ max: 63 }), fc.integer({ min: 0, max: 3 }), fc.nat({ max: 0xff }),
      (ci, pick, _s, flipLo, flipHi, level, maxOwner) => {
        const cc = CTXS[ci];
        const words = kvmWords(cc);
        const [lo0, hi0] = words[pick % words.length];
        const lo = flipLo < 32 ? (lo0 ^ (1 << flipLo)) >>> 0 : lo0;
        const hi = flipHi < 32 ? (hi0 ^ (1 << flipHi)) >>> 0 : hi0;
        if (C.isCanonicalAtRest(lo, hi, level, cc, maxOwner)) expect(encodingReasons(lo, hi, level, cc, maxOwner)).toEqual([]);
      }), { seed: 42, numRuns: 20000 });
  });

  it('rejects each kind of defect the slow path names', () => {
    const cc = CTXS[0];
    const good = C.leafLo(PA, 12, C.leafAttrLo(PROT_R | PROT_W, false) as number, true);
    expect(C.isCanonicalAtRest(C.LOCKED_LO, 0, 3, cc, 1)).toBe(false);
    expect(C.isCanonicalAtRest(C.ownerLo(2), 0, 3, cc, 1)).toBe(false);
    expect(C.isCanonicalAtRest(good, C.leafHi(PA, 0) | 0x80000, 3, cc, 1)).toBe(false); // DBM
    expect(C.isCanonicalAtRest(good | 0x800, C.leafHi(PA, C.leafAttrHi(0)), 3, cc, 1)).toBe(false); // stray bit 11
    expect(C.isCanonicalAtRest(good, C.leafHi(PA, C.leafAttrHi(0)), 3, cc, 1)).toBe(true);
  });
});
