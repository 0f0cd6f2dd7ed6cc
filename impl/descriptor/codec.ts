/**
 * Pure encode/decode between raw stage-2 descriptor words and meaning (kvm-s2-facts §2–§3).
 * Hot-path helpers take and return 32-bit words (no allocation); `encode`/`decode` convert
 * to and from the exploded `Descriptor` for tests, printing and the abstraction function.
 */
import * as B from './bits';
import { PROT_DEVICE, PROT_NORMAL_NC, PROT_R, PROT_W, PROT_X, type Prot } from './prot';
import type { MemType, Perms } from '../../model/types';

export type DescKind = 'invalid' | 'table' | 'block' | 'page';
export type DecodedMemType = MemType | 'unknown';

/** An exploded descriptor (style-anchors §2); print raw words with `toHex`. */
export interface Descriptor {
  kind: DescKind;
  level: number;
  /** table: next-level table PA; leaf: output PA; invalid: 0. */
  oa: number;
  perms: Perms;
  memtype: DecodedMemType | null;
  sh: number;
  af: boolean;
  sw: number;
  /** Owner annotation id of an invalid entry (0 = page-table owner). */
  owner: number;
  locked: boolean;
  dbm: boolean;
  cont: boolean;
}

/** What encode/decode need to know besides the word: granule and FWB mode. */
export interface CodecCtx {
  pageShift: number;
  fwb: boolean;
  lastLevel: number;
}

const TWO32 = 0x100000000;
const NO_PERMS: Perms = Object.freeze({ r: false, w: false, x: false }) as Perms;

// ---- hot-path predicates and accessors on words ----------------------------------------

export const isValid = (lo: number): boolean => (lo & B.S2_LO_VALID) !== 0;
/** A table entry: valid, type bit set, above the last level (facts §4). */
export const isTable = (lo: number, level: number, lastLevel: number): boolean =>
  level < lastLevel && (lo & (B.S2_LO_VALID | B.S2_LO_TYPE)) === (B.S2_LO_VALID | B.S2_LO_TYPE);
/** Counted in the table page's refcount: any non-zero entry (facts §2.5). */
export const isCounted = (lo: number, hi: number): boolean => (lo | hi) !== 0;
export const isLocked = (lo: number, hi: number): boolean => hi === 0 && lo === B.S2_LO_LOCKED;
export const isReadable = (lo: number): boolean => (lo & B.S2_LO_S2AP_R) !== 0;
export const isWritable = (lo: number): boolean => (lo & B.S2_LO_S2AP_W) !== 0;
export const isYoung = (lo: number): boolean => (lo & B.S2_LO_AF) !== 0;
/** Executable: valid and XN clear (facts §2.3). */
export const isExecutable = (lo: number, hi: number): boolean => isValid(lo) && (hi & B.S2_HI_XN) === 0;
export const memAttrOf = (lo: number): number => (lo & B.S2_MEMATTR_MASK) >>> B.S2_MEMATTR_SHIFT;
/** Cacheable: valid and MemAttr is the Normal-WB value of the FWB mode (facts §2.3). */
export const isCacheable = (lo: number, fwb: boolean): boolean =>
  isValid(lo) && memAttrOf(lo) === (fwb ? B.S2_MEMATTR_FWB_NORMAL_WB : B.S2_MEMATTR_NORMAL_WB);
/** Owner id of an invalid annotated entry. */
export const ownerOf = (lo: number): number => (lo & B.S2_OWNER_MASK) >>> B.S2_OWNER_SHIFT;

/** Output (or next-table) address of a valid entry. */
export function oaOf(lo: number, hi: number, pageShift: number): number {
  // Shifts, not `2 ** pageShift`: a variable exponent is a Math.pow call (~40 ns, the hot-walk bottleneck).
  const low = ((lo >>> pageShift) << pageShift) >>> 0;
  return (hi & B.S2_HI_OA_MASK) * TWO32 + low;
}

/**
 * OA >> pageShift of a valid entry (its output or next-table page number), exact for OAs < 2^48:
 * 32-bit shifts plus one multiply, no float division (the hot walk's next-table lookup).
 */
export const oaPageNumber = (lo: number, hi: number, pageShift: number): number =>
  (hi & B.S2_HI_OA_MASK) * (1 << (32 - pageShift)) + (lo >>> pageShift);

/** OA bits [31:pageShift] as a page number: the whole OA page number when the HI OA bits are zero. */
export const oaLowPage = (lo: number, pageShift: number): number => lo >>> pageShift;

/** The HI OA bits of an entry (OA bits [47:32]). */
export const oaHighBits = (hi: number): number => hi & B.S2_HI_OA_MASK;

export function memTypeOf(lo: number, fwb: boolean): DecodedMemType {
  const a = memAttrOf(lo);
  if (a === (fwb ? B.S2_MEMATTR_FWB_NORMAL_WB : B.S2_MEMATTR_NORMAL_WB)) return 'normal';
  if (a === (fwb ? B.S2_MEMATTR_FWB_NORMAL_NC : B.S2_MEMATTR_NORMAL_NC)) return 'nc';
  if (a === (fwb ? B.S2_MEMATTR_FWB_DEVICE_nGnRE : B.S2_MEMATTR_DEVICE_nGnRE)) return 'device';
  return 'unknown';
}

/** True when both are valid leaves equal except S2AP R/W and XN (facts §5.2 step 2). */
export function differsOnlyInPerms(oldLo: number, oldHi: number, newLo: number, newHi: number): boolean {
  if (!isValid(oldLo) || !isValid(newLo)) return false;
  const loPerm = B.S2_LO_S2AP_R | B.S2_LO_S2AP_W;
  return (oldLo & ~loPerm) === (newLo & ~loPerm) && (oldHi & ~B.S2_HI_XN) === (newHi & ~B.S2_HI_XN);
}

/**
 * Cheap, allocation-free test that an entry is exactly something KVM stores at rest (facts
 * §2.2–2.4): an invalid entry holding only an owner id ≤ maxOwner (0 = the zero entry), a table
 * with no attribute bits, or a leaf with one of the FWB mode's three MemAttr values, SH Inner, no
 * DBM or Contiguous, XN set on Device/NC and no bit the codec does not round-trip. True implies
 * impl/check/encoding.ts has nothing to report; false only means "decode and explain".
 */
export function isCanonicalAtRest(lo: number, hi: number, level: number, ctx: CodecCtx, maxOwner: number): boolean {
  if (!isValid(lo)) return hi === 0 && (lo & ~B.S2_OWNER_MASK) === 0 && ownerOf(lo) <= maxOwner;
  const oaLoBits = (0xffffffff >>> ctx.pageShift) << ctx.pageShift;
  if (isTable(lo, level, ctx.lastLevel)) return (lo & ~(oaLoBits | B.S2_LO_VALID | B.S2_LO_TYPE)) === 0 && (hi & ~B.S2_HI_OA_MASK) === 0;
  const loAllowed = oaLoBits | B.S2_LO_VALID | B.S2_LO_TYPE | B.S2_MEMATTR_MASK | B.S2_LO_S2AP_R | B.S2_LO_S2AP_W | B.S2_SH_MASK | B.S2_LO_AF;
  if ((lo & ~loAllowed) !== 0 || (hi & ~(B.S2_HI_OA_MASK | B.S2_SW_MASK | B.S2_HI_XN)) !== 0) return false;
  if ((lo & B.S2_SH_MASK) !== B.S2_SH_INNER << B.S2_SH_SHIFT) return false;
  const mt = memTypeOf(lo, ctx.fwb);
  return mt === 'normal' || ((mt === 'device' || mt === 'nc') && (hi & B.S2_HI_XN) !== 0);
}

// ---- constructors ----------------------------------------------------------------------

/** Split an address into the OA parts of the two words. */
export const oaLo = (pa: number, pageShift: number): number => ((pa % TWO32) >>> pageShift) << pageShift;
export const oaHi = (pa: number): number => Math.floor(pa / TWO32) & B.S2_HI_OA_MASK;

/** LO attribute word of a leaf for `prot`, or 'EINVAL' (stage2_set_prot_attr; facts §3.1). */
export function leafAttrLo(prot: Prot, fwb: boolean): number | 'EINVAL' {
  const device = (prot & PROT_DEVICE) !== 0;
  const nc = (prot & PROT_NORMAL_NC) !== 0;
  if ((device && nc) || ((prot & PROT_X) !== 0 && (device || nc))) return 'EINVAL';
  let attr: number;
  if (device) attr = fwb ? B.S2_MEMATTR_FWB_DEVICE_nGnRE : B.S2_MEMATTR_DEVICE_nGnRE;
  else if (nc) attr = fwb ? B.S2_MEMATTR_FWB_NORMAL_NC : B.S2_MEMATTR_NORMAL_NC;
  else attr = fwb ? B.S2_MEMATTR_FWB_NORMAL_WB : B.S2_MEMATTR_NORMAL_WB;
  let lo = (attr << B.S2_MEMATTR_SHIFT) | (B.S2_SH_INNER << B.S2_SH_SHIFT) | B.S2_LO_AF;
  if (prot & PROT_R) lo |= B.S2_LO_S2AP_R;
  if (prot & PROT_W) lo |= B.S2_LO_S2AP_W;
  return lo;
}

/** HI attribute word of a leaf for `prot`: XN unless PROT_X. */
export const leafAttrHi = (prot: Prot): number => ((prot & PROT_X) !== 0 ? 0 : B.S2_HI_XN);

/** LO word of a valid leaf; a page at the last level has the type bit, a block does not. */
export const leafLo = (pa: number, pageShift: number, attrLo: number, isPage: boolean): number =>
  (oaLo(pa, pageShift) | attrLo | B.S2_LO_VALID | (isPage ? B.S2_LO_TYPE : 0)) >>> 0;
export const leafHi = (pa: number, attrHi: number): number => (oaHi(pa) | attrHi) >>> 0;
export const tableLo = (pa: number, pageShift: number): number =>
  (oaLo(pa, pageShift) | B.S2_LO_TYPE | B.S2_LO_VALID) >>> 0;
export const tableHi = (pa: number): number => oaHi(pa);
/** An owner annotation; owner 0 is the plain zero entry (facts §2.4). */
export const ownerLo = (owner: number): number => (owner << B.S2_OWNER_SHIFT) & B.S2_OWNER_MASK;
export const LOCKED_LO = B.S2_LO_LOCKED;
/** SH value KVM programs in every leaf (Inner Shareable; facts §2.2). */
export const SH_INNER = B.S2_SH_INNER;
export const OWNER_FIELD_MAX = B.S2_OWNER_FIELD_MAX;

// ---- in-place attribute updates (facts §8) --------------------------------------------

export const withoutWrite = (lo: number): number => (lo & ~B.S2_LO_S2AP_W) >>> 0;
export const withAf = (lo: number, af: boolean): number => (af ? lo | B.S2_LO_AF : lo & ~B.S2_LO_AF) >>> 0;
/** OR in R/W from prot (relax never removes permissions). */
export const relaxLo = (lo: number, prot: Prot): number =>
  (lo | ((prot & PROT_R) !== 0 ? B.S2_LO_S2AP_R : 0) | ((prot & PROT_W) !== 0 ? B.S2_LO_S2AP_W : 0)) >>> 0;
/** Clear XN when prot has X. */
export const relaxHi = (hi: number, prot: Prot): number => ((prot & PROT_X) !== 0 ? hi & ~B.S2_HI_XN : hi) >>> 0;
/** Strip the type bit: turns a page descriptor's attributes into a block's, and vice versa. */
export const attrLoOf = (lo: number): number => lo & B.S2_LO_ATTR_MASK;
export const attrHiOf = (hi: number): number => (hi & B.S2_HI_ATTR_MASK) >>> 0;

/** Decode a valid leaf's prot back (kvm_pgtable_stage2_pte_prot; facts §3.1). */
export function protOf(lo: number, hi: number, fwb: boolean): Prot {
  if (!isValid(lo)) return 0;
  let p = 0;
  if (isReadable(lo)) p |= PROT_R;
  if (isWritable(lo)) p |= PROT_W;
  if (isExecutable(lo, hi)) p |= PROT_X;
  const mt = memTypeOf(lo, fwb);
  if (mt === 'device') p |= PROT_DEVICE;
  if (mt === 'nc') p |= PROT_NORMAL_NC;
  return p;
}

// ---- exploded form ---------------------------------------------------------------------

/** Decode the words of an entry found at `level`. */
export function decode(lo: number, hi: number, level: number, ctx: CodecCtx): Descriptor {
  const base = { level, sh: 0, af: false, sw: 0, owner: 0, locked: false, dbm: false, cont: false };
  if (!isValid(lo)) {
    const locked = isLocked(lo, hi);
    return { ...base, kind: 'invalid', oa: 0, perms: { ...NO_PERMS }, memtype: null, locked, owner: locked ? 0 : ownerOf(lo) };
  }
  const oa = oaOf(lo, hi, ctx.pageShift);
  if (isTable(lo, level, ctx.lastLevel)) return { ...base, kind: 'table', oa, perms: { ...NO_PERMS }, memtype: null };
  return {
    ...base,
    // A last-level entry without the type bit is reserved (translation fault); report it as a
    // block so structural checks flag it.
    kind: level === ctx.lastLevel && (lo & B.S2_LO_TYPE) !== 0 ? 'page' : 'block',
    oa,
    perms: { r: isReadable(lo), w: isWritable(lo), x: isExecutable(lo, hi) },
    memtype: memTypeOf(lo, ctx.fwb),
    sh: (lo & B.S2_SH_MASK) >>> B.S2_SH_SHIFT,
    af: isYoung(lo),
    sw: (hi & B.S2_SW_MASK) >>> B.S2_SW_SHIFT,
    dbm: (hi & B.S2_HI_DBM) !== 0,
    cont: (hi & B.S2_HI_CONT) !== 0,
  };
}

function memAttrFor(mt: DecodedMemType | null, fwb: boolean): number {
  if (mt === 'device') return fwb ? B.S2_MEMATTR_FWB_DEVICE_nGnRE : B.S2_MEMATTR_DEVICE_nGnRE;
  if (mt === 'nc') return fwb ? B.S2_MEMATTR_FWB_NORMAL_NC : B.S2_MEMATTR_NORMAL_NC;
  if (mt === 'normal') return fwb ? B.S2_MEMATTR_FWB_NORMAL_WB : B.S2_MEMATTR_NORMAL_WB;
  throw new RangeError(`memtype: cannot encode ${String(mt)}`);
}

/** Encode an exploded descriptor to its two words `[lo, hi]`. */
export function encode(d: Descriptor, ctx: CodecCtx): [number, number] {
  if (d.kind === 'invalid') return d.locked ? [LOCKED_LO, 0] : [ownerLo(d.owner) >>> 0, 0];
  if (d.kind === 'table') return [tableLo(d.oa, ctx.pageShift), tableHi(d.oa)];
  let lo = (memAttrFor(d.memtype, ctx.fwb) << B.S2_MEMATTR_SHIFT) | ((d.sh << B.S2_SH_SHIFT) & B.S2_SH_MASK);
  if (d.perms.r) lo |= B.S2_LO_S2AP_R;
  if (d.perms.w) lo |= B.S2_LO_S2AP_W;
  if (d.af) lo |= B.S2_LO_AF;
  let hi = (d.sw << B.S2_SW_SHIFT) & B.S2_SW_MASK;
  if (!d.perms.x) hi |= B.S2_HI_XN;
  if (d.dbm) hi |= B.S2_HI_DBM;
  if (d.cont) hi |= B.S2_HI_CONT;
  return [leafLo(d.oa, ctx.pageShift, lo, d.kind === 'page'), leafHi(d.oa, hi)];
}

/** An entry in words a reader of a report understands: `invalid`, `owner 3`, `table at 0x…`, `L2 block → 0x… rw- normal`. */
export function describeEntry(lo: number, hi: number, level: number, ctx: CodecCtx): string {
  const d = decode(lo, hi, level, ctx);
  if (d.kind === 'invalid') return d.locked ? 'LOCKED' : d.owner !== 0 ? `invalid (owner ${d.owner})` : 'invalid';
  if (d.kind === 'table') return `table at 0x${d.oa.toString(16)}`;
  const perms = `${d.perms.r ? 'r' : '-'}${d.perms.w ? 'w' : '-'}${d.perms.x ? 'x' : '-'}`;
  return `L${level} ${d.kind} → 0x${d.oa.toString(16)} ${perms} ${d.memtype ?? '?'}${d.af ? '' : ' (AF clear)'}`;
}

/** 64-bit hex of a descriptor for printing (`0x00400000800007ff`). */
export const toHex = (lo: number, hi: number): string =>
  '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

// ---- leaf-attribute walkers, split and the hardware walk (added for ops/attrs, ops/split, translate) ----

/** LO attribute masks the attribute walkers set or clear (facts §8). */
export const ATTR_LO_S2AP_W = B.S2_LO_S2AP_W;
export const ATTR_LO_AF = B.S2_LO_AF;
/** Apply set/clear masks to a leaf's LO word, touching only the LO attribute field (stage2_update_leaf_attrs). */
export const updateAttrLo = (lo: number, set: number, clr: number): number =>
  ((lo & ~(clr & B.S2_LO_ATTR_MASK)) | (set & B.S2_LO_ATTR_MASK)) >>> 0;
/** Apply set/clear masks to a leaf's HI word, touching only the HI attribute field. */
export const updateAttrHi = (hi: number, set: number, clr: number): number =>
  ((hi & ~(clr & B.S2_HI_ATTR_MASK)) | (set & B.S2_HI_ATTR_MASK)) >>> 0;
/** LO set-mask of relax_perms: S2AP R/W for PROT_R/PROT_W (kvm_pgtable_stage2_relax_perms). */
export const relaxSetLo = (prot: Prot): number =>
  ((prot & PROT_R) !== 0 ? B.S2_LO_S2AP_R : 0) | ((prot & PROT_W) !== 0 ? B.S2_LO_S2AP_W : 0);
/** HI clear-mask of relax_perms: XN when PROT_X. */
export const relaxClrHi = (prot: Prot): number => ((prot & PROT_X) !== 0 ? B.S2_HI_XN : 0);
/** Software bits SW0..SW3 of a prot value (bits 55..58, KVM_PTE_LEAF_ATTR_HI_SW); exact for numbers < 2^59. */
export const protSwBits = (prot: Prot): number => Math.floor(prot / 2 ** 55) % 16;
/** Valid with the type bit set: a page at the last level (a table above it). A last-level entry without it is reserved. */
export const hasTypeBit = (lo: number): boolean => (lo & (B.S2_LO_VALID | B.S2_LO_TYPE)) === (B.S2_LO_VALID | B.S2_LO_TYPE);
