/**
 * The MMU's raw stage-2 walk over descriptor words (Arm ARM D8 stage 2 translation): inline bit
 * operations, one plan per geometry, no calls in the loop. impl/translate.ts gives it meaning.
 */
import * as B from './bits';
import { memTypeOf, type DecodedMemType } from './codec';
import type { TableWords } from '../pool';

/** Walk status: a leaf was reached and the access is allowed. */
export const HW_OK = 0;
/** Translation fault (invalid entry, reserved encoding, table outside the pool). */
export const HW_TRANSLATION = 1;
/** Access flag fault (AF clear; no hardware AF update). */
export const HW_ACCESS_FLAG = 2;
/** Permission fault (S2AP / XN). */
export const HW_PERMISSION = 3;

/** Access kinds as small ints: 0 read, 1 write, 2 exec. */
export type HwAccess = 0 | 1 | 2;

/**
 * Per-geometry constants of the walk, built once by `makeWalkPlan`. The IPA is split at bit
 * K = shift(2) into two Smis, `high` = ipa >> K and `low` = ipa mod 2^K (so no level's index
 * field straddles the split and no call boxes a double); the level-L index is
 * `((L === 3 ? low : high) >>> lv[2L]) & lv[2L + 1]`.
 */
export interface WalkPlan {
  readonly startLevel: number;
  readonly minBlockLevel: number;
  /** 2^iaBits: the first IPA beyond the input range (a translation fault at the start level). */
  readonly ipaLimit: number;
  /** Clears OA bits below the page: a table descriptor's LO & this, >>> 2, is the table's word index. */
  readonly pageMask: number;
  /** HI OA bits of the table window (TABLE_PA_BASE / 2^32). */
  readonly baseHigh: number;
  /** 2^−K: ipa × this, truncated, is `high`. */
  readonly invSplit: number;
  /** 2^K − 1: (ipa >>> 0) & this is `low`. */
  readonly lowMask: number;
  /** 2^K. */
  readonly splitScale: number;
  /** 2 ints per level 0..3: shift within its part, index mask. */
  readonly lv: Int32Array;
  /**
   * 3 ints per level 0..3 for a leaf there (≤ 2^30 bytes): ~(size − 1) for the OA, and the masks
   * of the in-leaf offset's bits in `low` and in `high`.
   */
  readonly leaf: Int32Array;
}

/** Leaf found by the walk (HW_OK, HW_ACCESS_FLAG, HW_PERMISSION) or the faulting level. */
export interface HwWalkOut {
  level: number;
  lo: number;
  hi: number;
  /** Output PA (HW_OK only). */
  pa: number;
}

export const makeHwWalkOut = (): HwWalkOut => ({ level: -1, lo: 0.5, hi: 0.5, pa: 0.5 }); // double fields from the start

/**
 * Build the plan: `shifts` = shift(L) for L = 0..3, `indexMasks` as in Geometry, table pages
 * `pageShift` bytes, table-window HI bits `baseHigh`, blocks from `minBlockLevel`.
 */
export function makeWalkPlan(pageShift: number, startLevel: number, minBlockLevel: number,
  shifts: readonly number[], indexMasks: readonly number[], baseHigh: number, ipaLimit: number): WalkPlan {
  const k = shifts[2];
  const lv = new Int32Array(8);
  const leaf = new Int32Array(12);
  for (let l = 0; l < 4; l++) {
    const s = shifts[l];
    lv[2 * l] = l === 3 ? s : s - k;
    lv[2 * l + 1] = indexMasks[l];
    if (s > 30) continue; // no leaves this large
    leaf[3 * l] = ~(2 ** s - 1);
    leaf[3 * l + 1] = 2 ** Math.min(s, k) - 1;
    leaf[3 * l + 2] = s > k ? 2 ** (s - k) - 1 : 0;
  }
  return {
    startLevel, minBlockLevel, ipaLimit, pageMask: ~(2 ** pageShift - 1), baseHigh,
    invSplit: 2 ** -k, lowMask: 2 ** k - 1, splitScale: 2 ** k, lv, leaf,
  };
}

/**
 * memTypeOf for each MemAttr value 0..15 (index with codec memAttrOf): one array load on the hot
 * path instead of memTypeOf's compare chain.
 */
export const memTypeByAttr = (fwb: boolean): readonly DecodedMemType[] =>
  Array.from({ length: (B.S2_MEMATTR_MASK >>> B.S2_MEMATTR_SHIFT) + 1 }, (_, a) => memTypeOf(a << B.S2_MEMATTR_SHIFT, fwb));

const TWO32 = 4294967296;
/** Table words per 2^32 bytes of window: 2^32 / 2^pageShift pages × 2^(pageShift − 2) words. */
const WORDS_PER_HIGH = 2 ** 30;
// Module-level copies keep the walk's bytecode small enough for V8 to inline it into translate.
const VALID = B.S2_LO_VALID;
const TYPE = B.S2_LO_TYPE;
const TABLE_BITS = VALID | TYPE;
const AF = B.S2_LO_AF;
const AP_R = B.S2_LO_S2AP_R;
const AP_W = B.S2_LO_S2AP_W;
const XN = B.S2_HI_XN;
const OA_HI = B.S2_HI_OA_MASK;

/**
 * Walk from the root entry array at word `rootPtr` for the IPA split as `high`/`low` (see
 * WalkPlan); the caller has checked ipa < 2^iaBits. Reads every level's descriptor from `words`.
 * Fault priority: translation, access flag, permission (Arm ARM D8.4 / D8.5); a block above
 * minBlockLevel and a last-level entry without the type bit are reserved encodings (translation).
 * A table OA outside the pool's storage is a translation fault at the next level.
 */
export function hwWalk(words: TableWords, rootPtr: number, high: number, low: number,
  plan: WalkPlan, access: HwAccess, out: HwWalkOut): number {
  const lv = plan.lv;
  let level = plan.startLevel;
  let base = rootPtr;
  let lo: number;
  let hi: number;
  for (;;) {
    const ptr = base + 2 * (((level === 3 ? low : high) >>> lv[2 * level]) & lv[2 * level + 1]);
    lo = words[ptr];
    hi = words[ptr + 1];
    if (level === 3 || (lo & TABLE_BITS) !== TABLE_BITS) break;
    // Next table's first word: (OA − TABLE_PA_BASE) / 2^pageShift pages × 2^(pageShift − 2) words.
    base = (hi & OA_HI) === plan.baseHigh ? (lo & plan.pageMask) >>> 2 : farBase(lo, hi, plan);
    level++;
    if (base < 0 || base >= words.length) return fault(out, level);
  }
  return leafTail(lo, hi, level, high, low, plan, access, out);
}

/** The end of the walk at a non-table entry of `level`: statuses as hwWalk. */
function leafTail(lo: number, hi: number, level: number, high: number, low: number,
  plan: WalkPlan, access: HwAccess, out: HwWalkOut): number {
  out.level = level;
  // Invalid; last level without the type bit; block below the lowest block level (facts §1.1).
  if ((lo & VALID) === 0 || (level === 3 ? (lo & TYPE) === 0 : level < plan.minBlockLevel)) return HW_TRANSLATION;
  out.lo = lo;
  out.hi = hi;
  if ((lo & AF) === 0) return HW_ACCESS_FLAG;
  if ((access === 0 ? lo & AP_R : access === 1 ? lo & AP_W : ~hi & XN) === 0) return HW_PERMISSION;
  // OA bits below the leaf size are RES0: the in-leaf offset comes from the IPA.
  const m = plan.leaf;
  const l3 = 3 * level;
  out.pa = (hi & OA_HI) * TWO32 + (((lo & m[l3]) | (low & m[l3 + 1])) >>> 0) + (high & m[l3 + 2]) * plan.splitScale;
  return HW_OK;
}

/** First word of a table page whose OA lies ≥ 2^32 bytes into the window; −1 when it cannot be a pool page. */
function farBase(lo: number, hi: number, plan: WalkPlan): number {
  const base = ((lo & plan.pageMask) >>> 2) + ((hi & OA_HI) - plan.baseHigh) * WORDS_PER_HIGH;
  return base >= 0 && base < 2 ** 31 ? base : -1;
}

function fault(out: HwWalkOut, level: number): number {
  out.level = level;
  return HW_TRANSLATION;
}

/** Stage-2 fault kinds of a translation (Arm ARM D8.4/D8.5 fault priority order). */
export type HwFault = 'translation' | 'permission' | 'accessFlag';

/** What a translation needs to read a leaf's words: leaf bytes per level (plan) and memtype per MemAttr (FWB mode). */
export interface LeafDecode {
  readonly sizes: readonly number[];
  readonly memtypes: readonly DecodedMemType[];
}

/** Every leaf decode a result can name, by id (0: none, no leaf reached); interned by content. */
const LEAF_DECODES: (LeafDecode | null)[] = [null];
const leafIds = new Map<string, number>();

/** The id of the leaf decode with these leaf sizes per level and this FWB mode's memtypes (interned). */
export function leafDecodeId(sizes: readonly number[], fwb: boolean): number {
  const key = `${sizes.join(',')}|${fwb}`;
  let id = leafIds.get(key);
  if (id === undefined) {
    id = LEAF_DECODES.length;
    LEAF_DECODES.push({ sizes: [...sizes], memtypes: memTypeByAttr(fwb) });
    leafIds.set(key, id);
  }
  return id;
}

/** A result's tag: leaf decode id, status (2 bits) and level (2 bits) in one small integer, so the fast path stores once. */
export const resultTag = (leafId: number, status: number, level: number): number => (leafId << 4) | (status << 2) | level;

/**
 * A translation's result as impl/translate.ts reports it, filled in place (no allocation per
 * access). The walk stores a tag (status, level, how to read the leaf), the output PA and the
 * leaf's descriptor words; `status`, `level`, `leaf`, `ok`, `fault`, `perms`, `memtype` and
 * `leafSize` are decoded from them when read, so a caller pays only for what it reads.
 */
export class HwTranslateOut {
  /** resultTag(leaf decode id, status, level), or −1 before the first translation. */
  tag = -1;
  /** Output PA (ok only, else 0). */
  pa = 0;
  /** The leaf's descriptor words as int32 (meaningful while `leaf` is set). */
  lo = 0;
  hi = 0;
  private readonly p = { r: false, w: false, x: false };

  /** HW_OK, HW_TRANSLATION, HW_ACCESS_FLAG, HW_PERMISSION, or −1 before the first translation. */
  get status(): number {
    return this.tag < 0 ? -1 : (this.tag >>> 2) & 3;
  }

  /** Level of the leaf, or of the faulting lookup (−1 before the first translation). */
  get level(): number {
    return this.tag < 0 ? -1 : this.tag & 3;
  }

  /** How to read the leaf (its plan's sizes, its FWB mode's memtypes) when one was reached (ok, accessFlag, permission), else null. */
  get leaf(): LeafDecode | null {
    return this.tag < 0 ? null : LEAF_DECODES[this.tag >>> 4];
  }

  /** The access was translated. */
  get ok(): boolean {
    return this.status === HW_OK;
  }

  /** The fault, null when ok. */
  get fault(): HwFault | null {
    return this.status > HW_OK ? FAULTS[this.status] : null;
  }

  /** The leaf's S2AP/XN permissions (all false when no leaf was reached); one object, rewritten on each read. */
  get perms(): { r: boolean; w: boolean; x: boolean } {
    const p = this.p;
    const leaf = this.leaf !== null;
    p.r = leaf && (this.lo & AP_R) !== 0;
    p.w = leaf && (this.lo & AP_W) !== 0;
    p.x = leaf && (this.hi & XN) === 0;
    return p;
  }

  /** The leaf's memory type (null when no leaf was reached). */
  get memtype(): DecodedMemType | null {
    const leaf = this.leaf;
    return leaf === null ? null : leaf.memtypes[(this.lo & B.S2_MEMATTR_MASK) >>> B.S2_MEMATTR_SHIFT];
  }

  /** Bytes the leaf maps; 0 on a translation fault. */
  get leafSize(): number {
    const leaf = this.leaf;
    return leaf === null ? 0 : leaf.sizes[this.level];
  }
}

/** Fault of each walk status (HW_OK → null). */
const FAULTS: readonly (HwFault | null)[] = [null, 'translation', 'accessFlag', 'permission'];

/** Fill `out` with a translation fault at `level`, before any leaf: no perms, memtype or leaf size. */
export function fillNoLeaf(out: HwTranslateOut, level: number): void {
  out.tag = resultTag(0, HW_TRANSLATION, level);
  out.pa = 0;
  out.lo = out.hi = 0;
}

/**
 * Fill `out` for `access` served from a TLB entry (impl/tlb.ts): the cached walk's result tag
 * `tag` and descriptor words, `pa` the access's output. A cached leaf had AF set; the permission
 * check is the walk's (S2AP R/W, XN), so a stale entry faults or allows as it did when cached.
 */
export function fillFromTlb(out: HwTranslateOut, tag: number, lo: number, hi: number, pa: number, access: HwAccess): void {
  const allowed = access === 0 ? (lo & AP_R) !== 0 : access === 1 ? (lo & AP_W) !== 0 : (hi & XN) === 0;
  out.tag = resultTag(tag >>> 4, allowed ? HW_OK : HW_PERMISSION, tag & 3);
  out.lo = lo;
  out.hi = hi;
  out.pa = allowed ? pa : 0;
}

/**
 * Fill `out` from a reference walk's status `st` and leaf `w`: the leaf that was reached (ok,
 * access flag, permission), read with leaf decode `leafId`, or a translation fault.
 */
export function fillFromWalk(st: number, w: HwWalkOut, leafId: number, out: HwTranslateOut): void {
  if (st === HW_TRANSLATION) return fillNoLeaf(out, w.level);
  out.lo = w.lo | 0;
  out.hi = w.hi | 0;
  out.tag = resultTag(leafId, st, w.level);
  out.pa = st === HW_OK ? w.pa : 0;
}

/**
 * One page table's memo of its last fast descent: the word index of the last-level table that
 * covers `high` (the IPA's bits from shift(2) up), valid while the pool's version equals `version`.
 * Every change to the words bumps that version (TablePool.setEntry), so the memo is exact: a
 * software shortcut with the walk's result, not a model of the TLB or the walk caches (those may
 * hold stale entries until a TLBI; this one never does). The key holds neither the root nor the
 * pool: one memo serves one table (Stage2Pgtable.walkMemo), never two roots or two pools.
 */
export class WalkMemo {
  version = -1;
  high = -1;
  base = 0;
}

/**
 * The translation for one plan and FWB mode: the root's words, the pool's version and the table's
 * memo, then the IPA (not yet split), access and result; fills `out`.
 */
export type HwTranslateFn = (words: TableWords, rootPtr: number, version: number, memo: WalkMemo,
  ipa: number, access: HwAccess, out: HwTranslateOut) => void;

const translateFns = new Map<string, HwTranslateFn>();
const planKey = (p: WalkPlan): string => [p.startLevel, p.minBlockLevel, p.ipaLimit, p.pageMask, p.baseHigh, p.lowMask, ...p.lv, ...p.leaf].join(',');

/**
 * Translation specialised to `plan` (built once per geometry and FWB mode, so every table of that
 * shape shares the compiled code). The generated function holds only the level-3 page case with
 * shifts, masks and sizes as constants, small enough (under V8's inlining budget, 460 bytes of
 * bytecode) to be inlined into translate's caller: a valid page with AF set whose S2AP/XN allow the
 * access fills `out` there. The descent to the last-level table comes from the table's WalkMemo
 * when it covers the IPA at the pool's current version, else from a second generated function that
 * walks the upper levels and refills the memo. Every other case (blocks, faults, reserved
 * encodings, tables outside the window or the pool) re-walks with the reference hwWalk and fills
 * from it, so the rules live in one place. An out-of-pool read yields undefined, which is no valid
 * descriptor, so it also ends on the slow path.
 * Source: Arm ARM D8.3 descriptors, D8.4/D8.5 AF and permissions.
 */
export function hwTranslateFor(plan: WalkPlan, fwb: boolean): HwTranslateFn {
  const key = `${planKey(plan)}|${fwb}`;
  let fn = translateFns.get(key);
  if (fn === undefined) {
    fn = compileTranslate(plan, fwb);
    translateFns.set(key, fn);
  }
  return fn;
}

/** Bytes a leaf at `level` maps under `plan`. */
const leafSizeOf = (plan: WalkPlan, level: number): number => (level === 3 ? 2 ** plan.lv[6] : 2 ** plan.lv[2 * level] * plan.splitScale);

/** The memo-refilling descent: the last-level table's first word for `high`, or −1 when the fast path cannot reach it. */
type DescendFn = (words: TableWords, rootPtr: number, high: number, version: number, memo: WalkMemo) => number;

function compileTranslate(plan: WalkPlan, fwb: boolean): HwTranslateFn {
  const leafId = leafDecodeId([0, 1, 2, 3].map((l) => leafSizeOf(plan, l)), fwb);
  const w = makeHwWalkOut(); // consumed by fillFromWalk before slow returns: one per specialised function
  /** Everything but an allowed access to a valid page under in-window tables: the reference walk. */
  const slow = (words: TableWords, rootPtr: number, high: number, low: number, access: HwAccess, out: HwTranslateOut): void => {
    if (high < 0) return fillNoLeaf(out, plan.startLevel); // IPA ≥ 2^iaBits
    fillFromWalk(hwWalk(words, rootPtr, high, low, plan, access, w), w, leafId, out);
  };
  // Generated from the plan's numeric constants only (no input text reaches either function).
  const descend = new Function(`return function hwDescendSpecialised(words, rootPtr, high, version, memo) {\n${descentCode(plan)}\n};`)() as DescendFn;
  // The IPA range check and every case but an allowed page leave the walk block for the reference
  // walk. Masks live in locals and the fill stores raw words: the bytecode stays under V8's
  // inlining budget, so the whole translation inlines into translate's caller.
  const m = plan.leaf;
  const body = `let high = -1; let low = 0;\nwalk: {\nif (ipa >= ${plan.ipaLimit}) break walk;\n`
    + `high = (ipa * ${plan.invSplit}) | 0; low = (ipa >>> 0) & ${plan.lowMask};\n`
    + 'let base = memo.base;\n'
    + 'if (memo.high !== high || memo.version !== version) { base = descend(words, rootPtr, high, version, memo); if (base < 0) break walk; }\n'
    + `const ptr = base + ${indexTwice(plan, 3)}; const lo = words[ptr]; const hi = words[ptr + 1];\n${pageCode()}`
    + `out.tag = ${resultTag(leafId, HW_OK, 3)}; out.lo = lo | 0; out.hi = hi | 0;\n`
    + `out.pa = (hi & ${OA_HI}) * ${TWO32} + (((lo & ${m[9]}) | (low & ${m[10]})) >>> 0);\nreturn;\n}\n`
    + 'slow(words, rootPtr, high, low, access, out);';
  return new Function('slow', 'descend',
    `return function hwTranslateSpecialised(words, rootPtr, version, memo, ipa, access, out) {\n${body}\n};`)(slow, descend) as HwTranslateFn;
}

/** Twice the level's index (2 words per descriptor), straight from its IPA part: ((part >>> shift) & mask) << 1. */
function indexTwice(plan: WalkPlan, level: number): string {
  const part = level === 3 ? 'low' : 'high';
  const shift = plan.lv[2 * level];
  const mask2 = plan.lv[2 * level + 1] * 2;
  return shift === 0 ? `((${part} << 1) & ${mask2})` : `((${part} >>> ${shift - 1}) & ${mask2})`;
}

/**
 * Code for the descent from the start level to the last-level table. It takes only table entries
 * whose bits below the page (the type bits, the IGNORED bits 11:2 and, for 16K/64K, the low OA
 * bits that must be zero for a page-aligned table) read exactly "valid table",
 * so the next table's word index is LO >>> 2; anything else returns −1 (the reference walk decides).
 * `far` ORs each table entry's HI word XOR the window's: its OA_HI bits are zero iff every table
 * was inside the window, and only then is the memo refilled.
 */
function descentCode(plan: WalkPlan): string {
  let code = `const window = ${plan.baseHigh}; let far = 0; let ptr = rootPtr; let lo = 0;\n`;
  for (let level = plan.startLevel; level < 3; level++) {
    const base = level === plan.startLevel ? 'rootPtr' : '(lo >>> 2)';
    code += `ptr = ${base} + ${indexTwice(plan, level)}; lo = words[ptr];\n`
      + `if ((lo & ${~plan.pageMask}) !== ${TABLE_BITS}) return -1;\nfar |= words[ptr + 1] ^ window;\n`;
  }
  return `${code}if ((far & ${OA_HI}) !== 0) return -1;\n`
    + 'memo.version = version; memo.high = high; memo.base = lo >>> 2;\nreturn lo >>> 2;';
}

/**
 * Code for the level-3 entry: only an allowed access to a valid page stays in the walk block. The
 * permission test gathers S2AP R (bit 6), S2AP W (bit 7) and "XN clear" (moved to bit 8) and
 * shifts by the access kind (0 read, 1 write, 2 exec), so the needed bit lands on bit 6.
 */
function pageCode(): string {
  const valid = VALID | TYPE | AF;
  const xnToBit8 = Math.log2(XN) - 8;
  return `if ((~lo & ${valid}) !== 0 || ((((lo & ${AP_R | AP_W}) | ((~hi & ${XN}) >>> ${xnToBit8})) >>> access) & ${AP_R}) === 0) break walk;\n`;
}
